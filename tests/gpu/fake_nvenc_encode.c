/* The stand-in NVENC's encoding entry points (see fake_nvenc.c). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_h264.h"
#include "fake_nvenc.h"

/* Registered CUDA memory, or an input buffer in host memory. */
typedef struct {
  int cuda;
  uint64_t device; /* CUdeviceptr */
  uint8_t* host;
  uint32_t width, height, pitch;
  NV_ENC_BUFFER_FORMAT format;
} Input;

typedef struct {
  ZcBytes bytes;
  uint64_t pts;
  NV_ENC_PIC_TYPE type;
} Bitstream;

static ZcFakeNvencState g_state;
static unsigned g_since_idr, g_idr_id, g_frame_num;

const ZcFakeNvencState* zc_fake_nvenc_state(void) {
  return &g_state;
}

void zc_fake_encoder_reset(void) {
  memset(&g_state, 0, sizeof g_state);
  g_since_idr = g_idr_id = g_frame_num = 0;
}

static int is_h264(void) {
  static const GUID h264 = NV_ENC_CODEC_H264_GUID;
  return memcmp(&g_state.init.encodeGUID, &h264, sizeof h264) == 0;
}

/* What a driver's preset holds before FFmpeg edits it: VUI "unspecified" (2) and video format 5. */
static void preset(NV_ENC_CONFIG* c) {
  memset(c, 0, sizeof *c);
  c->version = NV_ENC_CONFIG_VER;
  c->gopLength = 60;
  c->frameIntervalP = 1;
  c->rcParams.rateControlMode = NV_ENC_PARAMS_RC_VBR;
  NV_ENC_CONFIG_H264_VUI_PARAMETERS* vuis[] = {&c->encodeCodecConfig.h264Config.h264VUIParameters,
                                               &c->encodeCodecConfig.hevcConfig.hevcVUIParameters};
  for (size_t i = 0; i < 2; ++i) {
    vuis[i]->videoFormat = 5;
    vuis[i]->colourPrimaries = vuis[i]->transferCharacteristics = vuis[i]->colourMatrix = 2;
  }
}

static NVENCSTATUS NVENCAPI preset_config(void* e, GUID codec, GUID preset_guid, NV_ENC_PRESET_CONFIG* out) {
  (void)e, (void)codec, (void)preset_guid;
  if (!out) return NV_ENC_ERR_INVALID_PTR;
  preset(&out->presetCfg);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI preset_config_ex(void* e, GUID codec, GUID preset_guid, NV_ENC_TUNING_INFO tuning,
                                             NV_ENC_PRESET_CONFIG* out) {
  (void)tuning;
  return preset_config(e, codec, preset_guid, out);
}

static NVENCSTATUS NVENCAPI caps(void* e, GUID codec, NV_ENC_CAPS_PARAM* param, int* value) {
  (void)e, (void)codec;
  if (!param || !value) return NV_ENC_ERR_INVALID_PTR;
  switch (param->capsToQuery) {
    case NV_ENC_CAPS_WIDTH_MAX:
    case NV_ENC_CAPS_HEIGHT_MAX:
      *value = 8192;
      break;
    case NV_ENC_CAPS_WIDTH_MIN:
    case NV_ENC_CAPS_HEIGHT_MIN:
      *value = 16;
      break;
    case NV_ENC_CAPS_NUM_MAX_BFRAMES:
      *value = 4;
      break;
    case NV_ENC_CAPS_MB_NUM_MAX:
    case NV_ENC_CAPS_MB_PER_SEC_MAX:
      *value = 1 << 24;
      break;
    case NV_ENC_CAPS_SUPPORT_BFRAME_REF_MODE:
      *value = 3;
      break;
    case NV_ENC_CAPS_SUPPORT_YUV444_ENCODE:
    case NV_ENC_CAPS_SUPPORT_LOSSLESS_ENCODE:
    case NV_ENC_CAPS_SUPPORT_FIELD_ENCODING:
      *value = 0;
      break;
    default:
      *value = 1;
  }
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI initialize(void* e, NV_ENC_INITIALIZE_PARAMS* params) {
  (void)e;
  if (!params || !params->encodeConfig) return NV_ENC_ERR_INVALID_PTR;
  zc_fake_encoder_reset();
  g_state.init = *params;
  g_state.config = *params->encodeConfig;
  g_state.init.encodeConfig = &g_state.config;
  g_state.initialized = 1;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI reconfigure(void* e, NV_ENC_RECONFIGURE_PARAMS* params) {
  (void)e;
  if (!params || !g_state.initialized) return NV_ENC_ERR_INVALID_CALL;
  if (params->reInitEncodeParams.encodeConfig)
    g_state.config.rcParams = params->reInitEncodeParams.encodeConfig->rcParams;
  if (params->forceIDR) g_since_idr = 0;
  ++g_state.reconfigurations;
  return NV_ENC_SUCCESS;
}

static size_t frame_bytes(const Input* in) {
  const size_t sample = in->format == NV_ENC_BUFFER_FORMAT_YUV420_10BIT ? 2 : 1;
  (void)sample; /* the pitch is in bytes already */
  return (size_t)in->pitch * in->height * 3 / 2;
}

static NVENCSTATUS NVENCAPI create_input(void* e, NV_ENC_CREATE_INPUT_BUFFER* p) {
  (void)e;
  if (!p) return NV_ENC_ERR_INVALID_PTR;
  Input* in = calloc(1, sizeof *in);
  if (!in) return NV_ENC_ERR_OUT_OF_MEMORY;
  in->width = p->width;
  in->height = p->height;
  in->format = p->bufferFmt;
  in->pitch = (p->width * (p->bufferFmt == NV_ENC_BUFFER_FORMAT_YUV420_10BIT ? 2 : 1) + 255) / 256 * 256;
  in->host = calloc(1, frame_bytes(in));
  if (!in->host) {
    free(in);
    return NV_ENC_ERR_OUT_OF_MEMORY;
  }
  p->inputBuffer = in;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI destroy_input(void* e, NV_ENC_INPUT_PTR buffer) {
  (void)e;
  Input* in = buffer;
  if (in) free(in->host);
  free(in);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI lock_input(void* e, NV_ENC_LOCK_INPUT_BUFFER* p) {
  (void)e;
  if (!p || !p->inputBuffer) return NV_ENC_ERR_INVALID_PTR;
  Input* in = p->inputBuffer;
  p->bufferDataPtr = in->host;
  p->pitch = in->pitch;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI unlock_input(void* e, NV_ENC_INPUT_PTR buffer) {
  (void)e, (void)buffer;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI register_resource(void* e, NV_ENC_REGISTER_RESOURCE* p) {
  (void)e;
  if (!p || !p->resourceToRegister) return NV_ENC_ERR_INVALID_PTR;
  if (p->resourceType != NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR) return NV_ENC_ERR_UNIMPLEMENTED;
  Input* in = calloc(1, sizeof *in);
  if (!in) return NV_ENC_ERR_OUT_OF_MEMORY;
  in->cuda = 1;
  in->device = (uint64_t)(uintptr_t)p->resourceToRegister;
  in->width = p->width;
  in->height = p->height;
  in->pitch = p->pitch;
  in->format = p->bufferFormat;
  p->registeredResource = in;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI unregister_resource(void* e, NV_ENC_REGISTERED_PTR r) {
  (void)e;
  free(r);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI map_input(void* e, NV_ENC_MAP_INPUT_RESOURCE* p) {
  (void)e;
  if (!p || !p->registeredResource) return NV_ENC_ERR_INVALID_PTR;
  p->mappedResource = p->registeredResource;
  p->mappedBufferFmt = ((Input*)p->registeredResource)->format;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI unmap_input(void* e, NV_ENC_INPUT_PTR mapped) {
  (void)e, (void)mapped;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI create_bitstream(void* e, NV_ENC_CREATE_BITSTREAM_BUFFER* p) {
  (void)e;
  if (!p) return NV_ENC_ERR_INVALID_PTR;
  Bitstream* b = calloc(1, sizeof *b);
  if (!b) return NV_ENC_ERR_OUT_OF_MEMORY;
  p->bitstreamBuffer = b;
  p->size = 1 << 20;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI destroy_bitstream(void* e, NV_ENC_OUTPUT_PTR buffer) {
  (void)e;
  Bitstream* b = buffer;
  if (b) zc_bytes_free(&b->bytes);
  free(b);
  return NV_ENC_SUCCESS;
}

/* From the CUDA driver FFmpeg already loaded (its context is current here): the context's work
 * finished (the frame's upload included, on whichever stream), then the picture copied out. */
typedef int (*Synchronize)(void);
typedef int (*CopyDtoH)(void* dst, uint64_t src, size_t bytes);

static int read_input(const Input* in, uint8_t* out) {
  if (!in->cuda) {
    memcpy(out, in->host, frame_bytes(in));
    return 1;
  }
  static Synchronize sync;
  static CopyDtoH copy;
  if (!copy) {
    void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!cuda) return 0;
    sync = (Synchronize)dlsym(cuda, "cuCtxSynchronize");
    copy = (CopyDtoH)dlsym(cuda, "cuMemcpyDtoH_v2");
    if (!sync || !copy) return 0;
  }
  return sync() == 0 && copy(out, in->device, frame_bytes(in)) == 0;
}

static NVENCSTATUS NVENCAPI set_streams(void* e, NV_ENC_CUSTREAM_PTR in, NV_ENC_CUSTREAM_PTR out) {
  (void)e, (void)in, (void)out;
  return NV_ENC_SUCCESS;
}

/* Entry points the stand-in does not implement: said on stderr, refused. */
static NVENCSTATUS unimplemented(const char* name) {
  fprintf(stderr, "fake NVENC: %s is not implemented\n", name);
  return NV_ENC_ERR_UNIMPLEMENTED;
}
static NVENCSTATUS NVENCAPI open_session_old(void* d, uint32_t t, void** e) {
  (void)d, (void)t, (void)e;
  return unimplemented("nvEncOpenEncodeSession");
}
static NVENCSTATUS NVENCAPI profile_count(void* e, GUID c, uint32_t* n) {
  (void)e, (void)c, (void)n;
  return unimplemented("nvEncGetEncodeProfileGUIDCount");
}
static NVENCSTATUS NVENCAPI profiles(void* e, GUID c, GUID* g, uint32_t s, uint32_t* n) {
  (void)e, (void)c, (void)g, (void)s, (void)n;
  return unimplemented("nvEncGetEncodeProfileGUIDs");
}
static NVENCSTATUS NVENCAPI format_count(void* e, GUID c, uint32_t* n) {
  (void)e, (void)c, (void)n;
  return unimplemented("nvEncGetInputFormatCount");
}
static NVENCSTATUS NVENCAPI formats(void* e, GUID c, NV_ENC_BUFFER_FORMAT* f, uint32_t s, uint32_t* n) {
  (void)e, (void)c, (void)f, (void)s, (void)n;
  return unimplemented("nvEncGetInputFormats");
}
static NVENCSTATUS NVENCAPI preset_count(void* e, GUID c, uint32_t* n) {
  (void)e, (void)c, (void)n;
  return unimplemented("nvEncGetEncodePresetCount");
}
static NVENCSTATUS NVENCAPI presets(void* e, GUID c, GUID* g, uint32_t s, uint32_t* n) {
  (void)e, (void)c, (void)g, (void)s, (void)n;
  return unimplemented("nvEncGetEncodePresetGUIDs");
}
static NVENCSTATUS NVENCAPI stats(void* e, NV_ENC_STAT* s) {
  (void)e, (void)s;
  return unimplemented("nvEncGetEncodeStats");
}
static NVENCSTATUS NVENCAPI async_event(void* e, NV_ENC_EVENT_PARAMS* p) {
  (void)e, (void)p;
  return unimplemented("nvEncRegisterAsyncEvent");
}
static NVENCSTATUS NVENCAPI invalidate(void* e, uint64_t t) {
  (void)e, (void)t;
  return unimplemented("nvEncInvalidateRefFrames");
}
static NVENCSTATUS NVENCAPI mv_buffer(void* e, NV_ENC_CREATE_MV_BUFFER* p) {
  (void)e, (void)p;
  return unimplemented("nvEncCreateMVBuffer");
}
static NVENCSTATUS NVENCAPI destroy_mv_buffer(void* e, NV_ENC_OUTPUT_PTR b) {
  (void)e, (void)b;
  return unimplemented("nvEncDestroyMVBuffer");
}
static NVENCSTATUS NVENCAPI motion_only(void* e, NV_ENC_MEONLY_PARAMS* p) {
  (void)e, (void)p;
  return unimplemented("nvEncRunMotionEstimationOnly");
}
static NVENCSTATUS NVENCAPI sequence_params_ex(void* e, NV_ENC_INITIALIZE_PARAMS* i, NV_ENC_SEQUENCE_PARAM_PAYLOAD* p) {
  (void)e, (void)i, (void)p;
  return unimplemented("nvEncGetSequenceParamEx");
}

static ZcH264Sequence sequence(void) {
  const NV_ENC_CONFIG_H264_VUI_PARAMETERS* v = &g_state.config.encodeCodecConfig.h264Config.h264VUIParameters;
  ZcH264Sequence s = {0};
  s.width = g_state.init.encodeWidth;
  s.height = g_state.init.encodeHeight;
  s.signal_type_present = (int)v->videoSignalTypePresentFlag;
  s.video_format = (int)v->videoFormat;
  s.full_range = (int)v->videoFullRangeFlag;
  s.colour_description_present = (int)v->colourDescriptionPresentFlag;
  s.primaries = (int)v->colourPrimaries;
  s.transfer = (int)v->transferCharacteristics;
  s.matrix = (int)v->colourMatrix;
  s.chroma_loc_present = (int)v->chromaSampleLocationFlag;
  s.chroma_loc_top = (int)v->chromaSampleLocationTop;
  s.chroma_loc_bottom = (int)v->chromaSampleLocationBot;
  return s;
}

static NVENCSTATUS NVENCAPI encode(void* e, NV_ENC_PIC_PARAMS* p) {
  (void)e;
  if (!p || !g_state.initialized) return NV_ENC_ERR_ENCODER_NOT_INITIALIZED;
  if (p->encodePicFlags & NV_ENC_PIC_FLAG_EOS) return NV_ENC_SUCCESS;
  Input* in = p->inputBuffer;
  Bitstream* out = p->outputBitstream;
  if (!in || !out) return NV_ENC_ERR_INVALID_PTR;
  const uint32_t gop = g_state.config.gopLength;
  const int idr = g_state.pictures == 0 || (p->encodePicFlags & NV_ENC_PIC_FLAG_FORCEIDR) || g_since_idr == 0 ||
                  (gop != NVENC_INFINITE_GOPLENGTH && gop > 0 && g_since_idr >= gop);
  out->bytes.size = 0;
  out->pts = p->inputTimeStamp;
  out->type = idr ? NV_ENC_PIC_TYPE_IDR : NV_ENC_PIC_TYPE_I;
  ++g_state.pictures;
  g_state.last_format = in->format;
  in->cuda ? ++g_state.cuda_inputs : ++g_state.host_inputs;
  if (idr) {
    ++g_state.idr_pictures;
    g_since_idr = 0;
    g_frame_num = 0;
  }
  ++g_since_idr;
  if (!is_h264()) {
    static const uint8_t aud[] = {0, 0, 0, 1, 0x46, 0x01, 0x50}; /* HEVC access unit delimiter */
    for (size_t i = 0; i < sizeof aud; ++i) {
      ZcBytes* b = &out->bytes;
      if (b->size == b->cap) {
        b->cap = 64;
        b->data = realloc(b->data, b->cap);
      }
      b->data[b->size++] = aud[i];
    }
    return NV_ENC_SUCCESS;
  }
  if (in->format != NV_ENC_BUFFER_FORMAT_NV12_PL) return NV_ENC_ERR_UNSUPPORTED_PARAM;
  uint8_t* frame = malloc(frame_bytes(in));
  if (!frame) return NV_ENC_ERR_OUT_OF_MEMORY;
  if (!read_input(in, frame)) {
    free(frame);
    return NV_ENC_ERR_GENERIC;
  }
  const ZcH264Sequence s = sequence();
  if (idr && !g_state.config.encodeCodecConfig.h264Config.disableSPSPPS) zc_h264_parameter_sets(&out->bytes, &s);
  zc_h264_pcm_picture(&out->bytes, &s, frame, in->pitch, idr, idr ? g_idr_id++ : 0, g_frame_num++);
  free(frame);
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI lock_bitstream(void* e, NV_ENC_LOCK_BITSTREAM* p) {
  (void)e;
  if (!p || !p->outputBitstream) return NV_ENC_ERR_INVALID_PTR;
  Bitstream* b = p->outputBitstream;
  p->bitstreamBufferPtr = b->bytes.data;
  p->bitstreamSizeInBytes = (uint32_t)b->bytes.size;
  p->outputTimeStamp = b->pts;
  p->pictureType = b->type;
  p->pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  p->frameAvgQP = 1;
  p->numSlices = 1;
  if (p->sliceOffsets) p->sliceOffsets[0] = 0;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI unlock_bitstream(void* e, NV_ENC_OUTPUT_PTR buffer) {
  (void)e, (void)buffer;
  return NV_ENC_SUCCESS;
}

static NVENCSTATUS NVENCAPI sequence_params(void* e, NV_ENC_SEQUENCE_PARAM_PAYLOAD* p) {
  (void)e;
  if (!p || !p->spsppsBuffer || !p->outSPSPPSPayloadSize) return NV_ENC_ERR_INVALID_PTR;
  if (!is_h264()) return NV_ENC_ERR_UNIMPLEMENTED;
  ZcBytes b = {0};
  const ZcH264Sequence s = sequence();
  zc_h264_parameter_sets(&b, &s);
  if (b.size > p->inBufferSize) {
    zc_bytes_free(&b);
    return NV_ENC_ERR_NOT_ENOUGH_BUFFER;
  }
  memcpy(p->spsppsBuffer, b.data, b.size);
  *p->outSPSPPSPayloadSize = (uint32_t)b.size;
  zc_bytes_free(&b);
  return NV_ENC_SUCCESS;
}

void zc_fake_encoder_functions(NV_ENCODE_API_FUNCTION_LIST* list) {
  list->nvEncGetEncodeCaps = caps;
  list->nvEncGetEncodePresetConfig = preset_config;
  list->nvEncGetEncodePresetConfigEx = preset_config_ex;
  list->nvEncInitializeEncoder = initialize;
  list->nvEncReconfigureEncoder = reconfigure;
  list->nvEncCreateInputBuffer = create_input;
  list->nvEncDestroyInputBuffer = destroy_input;
  list->nvEncLockInputBuffer = lock_input;
  list->nvEncUnlockInputBuffer = unlock_input;
  list->nvEncRegisterResource = register_resource;
  list->nvEncUnregisterResource = unregister_resource;
  list->nvEncMapInputResource = map_input;
  list->nvEncUnmapInputResource = unmap_input;
  list->nvEncCreateBitstreamBuffer = create_bitstream;
  list->nvEncDestroyBitstreamBuffer = destroy_bitstream;
  list->nvEncEncodePicture = encode;
  list->nvEncLockBitstream = lock_bitstream;
  list->nvEncUnlockBitstream = unlock_bitstream;
  list->nvEncGetSequenceParams = sequence_params;
  list->nvEncSetIOCudaStreams = set_streams;
  list->nvEncOpenEncodeSession = open_session_old;
  list->nvEncGetEncodeProfileGUIDCount = profile_count;
  list->nvEncGetEncodeProfileGUIDs = profiles;
  list->nvEncGetInputFormatCount = format_count;
  list->nvEncGetInputFormats = formats;
  list->nvEncGetEncodePresetCount = preset_count;
  list->nvEncGetEncodePresetGUIDs = presets;
  list->nvEncGetEncodeStats = stats;
  list->nvEncRegisterAsyncEvent = async_event;
  list->nvEncUnregisterAsyncEvent = async_event;
  list->nvEncInvalidateRefFrames = invalidate;
  list->nvEncCreateMVBuffer = mv_buffer;
  list->nvEncDestroyMVBuffer = destroy_mv_buffer;
  list->nvEncRunMotionEstimationOnly = motion_only;
  list->nvEncGetSequenceParamEx = sequence_params_ex;
}
