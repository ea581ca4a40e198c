# cmake -DIN=file.glsl -DOUT=file.hpp -DNAME=kSymbol -P embed.cmake
# Wraps a GLSL file in a C++ raw string so the GL backend compiles the same text at run time.
file(READ "${IN}" content)
get_filename_component(base "${IN}" NAME)
set(text "// Generated from ${base} by embed.cmake. Do not edit.\n#pragma once\n\nnamespace zc::zerocopy::cuda_bridge {\ninline constexpr char ${NAME}[] = R\"zcglsl(${content})zcglsl\";\n}  // namespace zc::zerocopy::cuda_bridge\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${text}")
