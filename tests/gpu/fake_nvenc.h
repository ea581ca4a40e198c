/* What the stand-in NVENC (fake_nvenc.c) shares between its files and with the tests. */
#ifndef ZC_FAKE_NVENC_H
#define ZC_FAKE_NVENC_H

#include <ffnvcodec/nvEncodeAPI.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the library was asked since the last InitializeEncoder. */
typedef struct {
  int initialized;
  NV_ENC_INITIALIZE_PARAMS init; /* encodeConfig points at `config` */
  NV_ENC_CONFIG config;          /* as InitializeEncoder got it, bitrate changes applied */
  unsigned pictures;             /* EncodePicture calls with a picture */
  unsigned idr_pictures;
  unsigned reconfigurations; /* ReconfigureEncoder calls */
  unsigned cuda_inputs;      /* pictures read from registered CUDA memory */
  unsigned host_inputs;      /* pictures read from input buffers */
  NV_ENC_BUFFER_FORMAT last_format;
} ZcFakeNvencState;

/* Exported for tests: found with dlsym in the loaded libnvidia-encode.so.1. */
const ZcFakeNvencState* zc_fake_nvenc_state(void);

/* fake_nvenc_encode.c */
void zc_fake_encoder_functions(NV_ENCODE_API_FUNCTION_LIST* list);
void zc_fake_encoder_reset(void);

#ifdef __cplusplus
}
#endif

#endif
