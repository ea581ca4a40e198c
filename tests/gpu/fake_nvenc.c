/* A stand-in for libnvidia-encode.so.1: no machine available to the project has an NVENC engine
 * (the H100 and H200 answer NV_ENC_ERR_NO_ENCODE_DEVICE). The probe loads it by path to check its
 * verdicts; FFmpeg's h264_nvenc and hevc_nvenc load it as libnvidia-encode.so.1 (a folder holding
 * it under that name first in LD_LIBRARY_PATH) and encode through it, one session at a time:
 *  - H.264: a real stream (fake_h264.h: every macroblock I_PCM, so the decoded picture is the
 *    input exactly), with the VUI FFmpeg asked for, IDR pictures where NVENC would make them
 *    (the first, forced ones, every gopLength), and the CUDA or host frames it was given;
 *  - HEVC: an access unit delimiter per picture (no picture data): its configuration is what counts.
 * zc_fake_nvenc_state() tells a test what the library was asked (the configuration, pictures,
 * reconfigurations). ZC_FAKE_NVENC chooses the answers: "fail" (the session does not open, as on
 * a data-center GPU) or the comma-separated codecs an opened session lists ("h264,hevc", "av1", "").
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <ffnvcodec/nvEncodeAPI.h>

#include "fake_h264.h"
#include "fake_nvenc.h"

/* Not in nv-codec-headers 11.1 (SDK 12.0 added AV1); the probe knows it by this value. */
static const GUID kAv1 = {0x0a352289, 0x0aa7, 0x4759, {0x86, 0x2d, 0x5d, 0x15, 0xcd, 0x16, 0xd2, 0x54}};
static int g_session; /* the one handle this library hands out */

static const char* mode(void) {
  const char* m = getenv("ZC_FAKE_NVENC");
  return m ? m : "h264,hevc";
}

static int lists(const char* codec) {
  const char* m = mode();
  const size_t n = strlen(codec);
  for (const char* p = strstr(m, codec); p; p = strstr(p + 1, codec))
    if ((p == m || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
  return 0;
}

static uint32_t codec_guids(GUID* out, uint32_t room) {
  uint32_t n = 0;
  if (lists("h264") && n < room) out[n++] = NV_ENC_CODEC_H264_GUID;
  if (lists("hevc") && n < room) out[n++] = NV_ENC_CODEC_HEVC_GUID;
  if (lists("av1") && n < room) out[n++] = kAv1;
  return n;
}

static NVENCSTATUS NVENCAPI open_session(NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS* params, void** encoder) {
  if (!params || !encoder || params->deviceType != NV_ENC_DEVICE_TYPE_CUDA || !params->device)
    return NV_ENC_ERR_INVALID_PARAM;
  if (strcmp(mode(), "fail") == 0) {
    *encoder = &g_session; /* as the real driver does: a handle to ask for the error string */
    return NV_ENC_ERR_NO_ENCODE_DEVICE;
  }
  *encoder = &g_session;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI guid_count(void* encoder, uint32_t* count) {
  if (encoder != &g_session || !count) return NV_ENC_ERR_INVALID_PARAM;
  GUID room[3];
  *count = codec_guids(room, 3);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI guids(void* encoder, GUID* out, uint32_t size, uint32_t* count) {
  if (encoder != &g_session || !out || !count) return NV_ENC_ERR_INVALID_PARAM;
  *count = codec_guids(out, size);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI destroy(void* encoder) {
  if (encoder != &g_session) return NV_ENC_ERR_INVALID_PARAM;
  zc_fake_encoder_reset();
  return NV_ENC_SUCCESS;
}

static const char* NVENCAPI last_error(void* encoder) {
  (void)encoder;
  return "fake NVENC: no encode engine";
}

NVENCSTATUS NVENCAPI NvEncodeAPIGetMaxSupportedVersion(uint32_t* version) {
  *version = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI NvEncodeAPICreateInstance(NV_ENCODE_API_FUNCTION_LIST* list) {
  if (!list || list->version != NV_ENCODE_API_FUNCTION_LIST_VER) return NV_ENC_ERR_INVALID_VERSION;
  list->nvEncOpenEncodeSessionEx = open_session;
  list->nvEncGetEncodeGUIDCount = guid_count;
  list->nvEncGetEncodeGUIDs = guids;
  list->nvEncDestroyEncoder = destroy;
  list->nvEncGetLastErrorString = last_error;
  zc_fake_encoder_functions(list);
  return NV_ENC_SUCCESS;
}
