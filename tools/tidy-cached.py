#!/usr/bin/env python3
"""clang-tidy-16 on the given sources, skipping a source whose exact input was found clean before.

A run's key is the clang-tidy version, the repository's .clang-tidy, the source's compile flags and
its preprocessed text with macro definitions (gcc -E -dD: every header it includes, src/ ones
included, whose findings HeaderFilterRegex reports), with the checkout's path taken out so that
clean clones in other directories share it. Only clean results are kept (a file per key under
$XDG_CACHE_HOME/zerocast-tidy); findings are printed and never cached, so a cache can only save
time, never hide a finding: a changed byte anywhere in a translation unit runs clang-tidy again.
ZEROCAST_TIDY_CACHE=0 turns the cache off. ZEROCAST_TIDY_ANALYZER=1 adds clang's path-sensitive
analyzer (clang-analyzer-*), which .clang-tidy leaves out of CI (it says why).

    tools/tidy-cached.py BUILD_DIR SOURCE...      exit 1 when clang-tidy reported anything
"""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOISE = ("warnings generated", "warning generated", "Suppressed ", "Use -header-filter")


def compile_commands(build):
    entries = json.loads((Path(build) / "compile_commands.json").read_text())
    return {str(Path(e["directory"], e["file"]).resolve()): e for e in entries}


def preprocess_command(entry):
    """The source's compile command, writing its preprocessed text with macro definitions to stdout."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = []
    it = iter(args)
    for a in it:
        if a == "-o":
            next(it, None)  # and the object file after it
        elif a != "-c" and not a.startswith("-o"):
            out.append(a)
    return out + ["-E", "-dD", "-o", "-"]


def key_of(entry, common):
    root = str(ROOT).encode()
    cmd = preprocess_command(entry)
    text = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, check=True).stdout
    digest = hashlib.sha256(common)
    digest.update(" ".join(cmd).replace(str(ROOT), "").encode())
    digest.update(text.replace(root, b""))
    return digest.hexdigest()


ANALYZER = "clang-analyzer-*,-clang-analyzer-optin.*,-clang-analyzer-cplusplus.NewDeleteLeaks"


def tidy(build, source, extra):
    run = subprocess.run(["clang-tidy-16", "-p", build, "--quiet", *extra, source], capture_output=True, text=True)
    lines = [l for l in (run.stdout + run.stderr).splitlines() if l and not any(n in l for n in NOISE)]
    findings = any(("warning:" in l or "error:" in l) for l in lines)
    return findings or run.returncode != 0, "\n".join(lines)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: tools/tidy-cached.py BUILD_DIR SOURCE...")
    build, sources = sys.argv[1], sys.argv[2:]
    use_cache = os.environ.get("ZEROCAST_TIDY_CACHE", "1") != "0"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zerocast-tidy"
    cache.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["clang-tidy-16", "--version"], capture_output=True, check=True).stdout
    extra = ["--checks=" + ANALYZER] if os.environ.get("ZEROCAST_TIDY_ANALYZER", "0") == "1" else []
    common = version + (ROOT / ".clang-tidy").read_bytes() + " ".join(extra).encode()
    commands = compile_commands(build)

    def one(source):
        path = str((ROOT / source).resolve())
        key = key_of(commands[path], common) if use_cache and path in commands else None
        if key and (cache / key).exists():
            return False, "", True
        bad, text = tidy(build, source, extra)
        if key and not bad:
            (cache / key).write_text(source + "\n")
        return bad, text, False

    failed, hits = 0, 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        for bad, text, hit in pool.map(one, sources):
            hits += hit
            if text:
                print(text, flush=True)
            failed += bad
    print(f"clang-tidy-16: {len(sources)} files, {hits} unchanged since a clean run (cache {cache})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
