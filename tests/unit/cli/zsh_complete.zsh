# zsh -f zsh_complete.zsh DIR LINE: the matches zsh's completion finds for LINE (a tab typed at
# its end), one a line, with the completion functions in DIR first in fpath. A real interactive
# zsh in a pseudo-terminal (zpty) whose compadd prints each match it is given. The markers are
# written split ("<h""it>") so that the terminal's echo of these lines holds none.
zmodload zsh/zpty || exit 77
dir=$1 line=$2
zpty z zsh -f -i
zpty -w z "PROMPT= RPROMPT=; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ " $* " == *\ -[OAD]\ * ]]; then builtin compadd "$@"; return; fi;'\
' local -a hits; builtin compadd -A hits "$@"; (( $#hits )) && print -rl -- "<h""it>"${^hits}; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=(zc_done); zc_done() { print -r -- "<do""ne>"; }; bindkey "^I" complete-word'
zpty -w -n z "$line"$'\t'
out= chunk=
for i in {1..200}; do
  while zpty -r -t z chunk; do out+=$chunk; done
  [[ $out == *'<done>'* ]] && break
  sleep 0.05
done
zpty -d z
[[ $out == *'<done>'* ]] || { print -u2 -r -- "no completion came back: $out"; exit 1; }
for l in ${(f)out//$'\r'/}; do
  [[ $l == *'<hit>'* ]] && print -r -- ${l##*<hit>}
done
exit 0
