# The README's `zerocast ctl` examples, verbatim: ctl_test.cpp runs each line in order against a
# daemon whose default source is the test source, and checks that README.md shows no other.
zerocast ctl start -o ~/Videos/desk.mkv --replay 30
zerocast ctl status
zerocast ctl save-replay ~/Videos/clip.mkv --seconds 10
zerocast ctl keyframe
zerocast ctl pause
zerocast ctl resume
zerocast ctl mute output
zerocast ctl unmute output
zerocast ctl start -o srt://127.0.0.1:9000 --bitrate 6000 --replay 60
zerocast ctl bitrate 4000 --capture 2
zerocast ctl status
zerocast ctl stop --capture 2
zerocast ctl stop
zerocast ctl reload
