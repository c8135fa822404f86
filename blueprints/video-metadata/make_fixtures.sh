#!/usr/bin/env bash
# Regenerates the video fixtures of the e2e test (tests/e2e/fixtures/video/) with Debian's
# ffmpeg (apt-get install ffmpeg; 5.1 on Debian 12). The files are checked in, so neither the
# tests nor scripts/setup.sh need ffmpeg; run this only to change them. The test compares what
# the function stored with `mediainfo --Output=JSON` of these very files, so regenerated
# fixtures need no change to the test.
#
# Both are synthetic (ffmpeg's test pattern and a sine tone), a few hundred KB in all:
#   testsrc-h264-aac.mp4  MPEG-4: H.264 High 640x360 25 fps + AAC LC stereo 48 kHz, 10 s,
#                         moov at the front (-movflags +faststart), as a streaming-ready file
#                         is: MediaInfo reads it from the head and never needs the tail.
#   testsrc-vp9-opus.mkv  Matroska: VP9 320x240 30 fps + Opus mono 48 kHz, 4 s.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/../.." && pwd)/tests/e2e/fixtures/video}"
mkdir -p "$out"
common=(-hide_banner -loglevel error -y)
# Output options that keep ffmpeg's version and the date out of the files.
exact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

ffmpeg "${common[@]}" \
  -f lavfi -i "testsrc2=size=640x360:rate=25:duration=10" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
  -c:v libx264 -preset medium -profile:v high -crf 30 -pix_fmt yuv420p -threads 1 \
  -c:a aac -b:a 96k -ac 2 "${exact[@]}" \
  -movflags +faststart "$out/testsrc-h264-aac.mp4"

ffmpeg "${common[@]}" \
  -f lavfi -i "testsrc=size=320x240:rate=30:duration=4" \
  -f lavfi -i "sine=frequency=1000:sample_rate=48000:duration=4" \
  -c:v libvpx-vp9 -b:v 300k -deadline good -cpu-used 4 -threads 1 \
  -c:a libopus -b:a 48k -ac 1 "${exact[@]}" \
  "$out/testsrc-vp9-opus.mkv"

ls -l "$out"
