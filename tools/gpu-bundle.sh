#!/usr/bin/env bash
# Packs programs (and libraries) with every shared library they load into one tarball for a GPU
# machine that has the NVIDIA driver and nothing else: no glvnd, EGL or Vulkan loader, no
# PipeWire, no FFmpeg, no package manager.
#
#   tools/gpu-bundle.sh OUT.tar.xz [--pipewire] PROGRAM_OR_LIBRARY...
#
# There:  mkdir -p /tmp/b && tar -xJf OUT.tar.xz -C /tmp/b && . /tmp/b/env.sh
# and the programs are on PATH (/tmp/b/bin), their libraries in /tmp/b/lib. --pipewire adds the
# PipeWire daemon, pw-cli and pw-dump with their modules, the SPA plugins a private daemon needs
# and its configuration; env.sh then points PipeWire at them.
#
# The driver's own libraries (libcuda, libnvidia-*, libEGL_nvidia, the Vulkan ICD) are the
# machine's: env.sh finds the driver's EGL vendor and Vulkan ICD files where NVIDIA's packages
# and containers put them. The C and C++ runtimes are the machine's too (the same or newer).
set -euo pipefail
usage() { sed -n '5,6p' "$0" | sed 's/^# *//' >&2 && exit 2; }
(($# >= 2)) || usage
out=$1
shift
pipewire=0
if [[ $1 == --pipewire ]]; then
  pipewire=1
  shift
fi
(($#)) || usage

libdir=/usr/lib/x86_64-linux-gnu
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"

# The loaders the GPU libraries are opened through (dlopen: ldd does not see them).
loader_packages=(libegl1 libglvnd0 libgles2 libopengl0 libgl1 libglx0 libvulkan1)
loaders=("$libdir"/{libEGL.so.1,libGLESv2.so.2,libOpenGL.so.0,libGLdispatch.so.0,libGL.so.1,libGLX.so.0,libvulkan.so.1})
pipewire_packages=(pipewire pipewire-bin)
missing=()
wanted=("${loader_packages[@]}")
((pipewire)) && wanted+=("${pipewire_packages[@]}")
for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "gpu-bundle: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

closure_roots=("$@" "${loaders[@]}")
for f in "$@"; do
  [[ -e $f ]] || { echo "gpu-bundle: $f does not exist" >&2 && exit 1; }
  # Programs go to bin/, libraries only to lib/ (below, with the closure).
  [[ $f == *.so || $f == *.so.* || ! -x $f ]] || cp -L "$f" "$stage/bin/"
done

if ((pipewire)); then
  spa=(support videoconvert)
  for p in pipewire pw-cli pw-dump; do
    cp -L "/usr/bin/$p" "$stage/bin/"
    closure_roots+=("/usr/bin/$p")
  done
  mkdir -p "$stage/pipewire-0.3" "$stage/share"
  cp -L "$libdir"/pipewire-0.3/*.so "$stage/pipewire-0.3/"
  closure_roots+=("$libdir"/pipewire-0.3/*.so)
  for s in "${spa[@]}"; do
    mkdir -p "$stage/spa-0.2/$s"
    cp -L "$libdir/spa-0.2/$s"/*.so "$stage/spa-0.2/$s/"
    closure_roots+=("$libdir/spa-0.2/$s"/*.so)
  done
  cp -a /usr/share/pipewire "$stage/share/"
fi

# Every library each root needs (ldd's resolved paths), the roots that are libraries themselves,
# less the C and C++ runtimes.
runtime='/(ld-linux-x86-64|libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s)\.so'
{
  for r in "${closure_roots[@]}"; do
    ldd "$r" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
    [[ $r != *.so && $r != *.so.* ]] || echo "$r"
  done
} | sort -u | grep -Ev "$runtime" | while read -r lib; do cp -L "$lib" "$stage/lib/"; done
# PipeWire's modules live in pipewire-0.3/, not beside the libraries.
rm -f "$stage/lib/"libpipewire-module-*.so

cat >"$stage/env.sh" <<'EOF'
# Sourced on the GPU machine after unpacking: the bundle's programs and libraries first, the
# driver's EGL vendor file and Vulkan ICD wherever the machine keeps them, PipeWire's pieces.
bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="$bundle/bin:$PATH" LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for dir in /usr/local/nvidia/share /usr/share /etc; do
  if [[ -f $dir/glvnd/egl_vendor.d/10_nvidia.json ]]; then
    export __EGL_VENDOR_LIBRARY_FILENAMES=$dir/glvnd/egl_vendor.d/10_nvidia.json
    break
  fi
done
for dir in /usr/local/nvidia/share /usr/share /etc; do
  if [[ -f $dir/vulkan/icd.d/nvidia_icd.json ]]; then
    export VK_DRIVER_FILES=$dir/vulkan/icd.d/nvidia_icd.json
    break
  fi
done
if [[ -d $bundle/pipewire-0.3 ]]; then
  export PIPEWIRE_MODULE_DIR=$bundle/pipewire-0.3 SPA_PLUGIN_DIR=$bundle/spa-0.2
  export PIPEWIRE_CONFIG_DIR=$bundle/share/pipewire XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg-run}
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
EOF

mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - . | xz -T0 -6 >"$out"
echo "gpu-bundle: $out, $(du -h "$out" | cut -f1), $(find "$stage/lib" -type f | wc -l) libraries"
