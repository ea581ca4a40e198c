#pragma once
// The GLSL the GL pass compiles at run time (generated from convert.glsl and gl_source.glsl).
#include "zerocopy/cuda_bridge/shaders/convert_glsl.hpp"
#include "zerocopy/cuda_bridge/shaders/gl_source_glsl.hpp"
