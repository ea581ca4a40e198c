// libx265 (3.5, Debian 12) leaks parameter strings and frame-filter buffers inside
// x265_encoder_open/close whatever its caller does. The HEVC tests use it only to make packets,
// so its own leaks are suppressed here; nothing of ours is.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libx265.so\n";
}
#endif
