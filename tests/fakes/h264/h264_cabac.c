#include "h264_cabac.h"

/* rangeTabLPS (Table 9-44), by pStateIdx and qCodIRangeIdx. */
static const uint8_t range_lps[64][4] = {
    {128, 176, 208, 240}, {128, 167, 197, 227}, {128, 158, 187, 216}, {123, 150, 178, 205}, {116, 142, 169, 195},
    {111, 135, 160, 185}, {105, 128, 152, 175}, {100, 122, 144, 166}, {95, 116, 137, 158},  {90, 110, 130, 150},
    {85, 104, 123, 142},  {81, 99, 117, 135},   {77, 94, 111, 128},   {73, 89, 105, 122},   {69, 85, 100, 116},
    {66, 80, 95, 110},    {62, 76, 90, 104},    {59, 72, 86, 99},     {56, 69, 81, 94},     {53, 65, 77, 89},
    {51, 62, 73, 85},     {48, 59, 69, 80},     {46, 56, 66, 76},     {43, 53, 63, 72},     {41, 50, 59, 69},
    {39, 48, 56, 65},     {37, 45, 54, 62},     {35, 43, 51, 59},     {33, 41, 48, 56},     {32, 39, 46, 53},
    {30, 37, 43, 50},     {29, 35, 41, 48},     {27, 33, 39, 45},     {26, 31, 37, 43},     {24, 30, 35, 41},
    {23, 28, 33, 39},     {22, 27, 32, 37},     {21, 26, 30, 35},     {20, 24, 29, 33},     {19, 23, 27, 31},
    {18, 22, 26, 30},     {17, 21, 25, 28},     {16, 20, 23, 27},     {15, 19, 22, 25},     {14, 18, 21, 24},
    {14, 17, 20, 23},     {13, 16, 19, 22},     {12, 15, 18, 21},     {12, 14, 17, 20},     {11, 14, 16, 19},
    {11, 13, 15, 18},     {10, 12, 15, 17},     {10, 12, 14, 16},     {9, 11, 13, 15},      {9, 11, 12, 14},
    {8, 10, 12, 14},      {8, 9, 11, 13},       {7, 9, 11, 12},       {7, 9, 10, 12},       {7, 8, 10, 11},
    {6, 8, 9, 11},        {6, 7, 9, 10},        {6, 7, 8, 9},         {2, 2, 2, 2},
};

/* transIdxLPS (Table 9-45); transIdxMPS is min(pStateIdx + 1, 62). */
static const uint8_t next_lps[64] = {
    0,  0,  1,  2,  2,  4,  4,  5,  6,  7,  8,  9,  9,  11, 11, 12, 13, 13, 15, 15, 16, 16,
    18, 18, 19, 19, 21, 21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30,
    31, 32, 32, 33, 33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
};

/* (m, n) of ctxIdx 3..10, the I slice's mb_type (Table 9-12; the same for every slice type). */
static const int8_t init_i[8][2] = {{20, -15}, {2, 54}, {3, 74}, {-28, 127}, {-23, 104}, {-6, 53}, {-1, 54}, {7, 51}};

/* (m, n) of ctxIdx 11..20, P's mb_skip_flag and mb_type (Table 9-13), by cabac_init_idc. */
static const int8_t init_p[3][10][2] = {
    {{23, 33}, {23, 2}, {21, 0}, {1, 9}, {0, 49}, {-37, 118}, {5, 57}, {-13, 78}, {-11, 65}, {1, 62}},
    {{22, 25}, {34, 0}, {16, 0}, {-2, 9}, {4, 41}, {-29, 118}, {2, 65}, {-6, 71}, {-13, 79}, {5, 52}},
    {{29, 16}, {25, 0}, {14, 0}, {-10, 51}, {-3, 62}, {-27, 99}, {26, 16}, {-4, 85}, {-24, 102}, {5, 57}},
};

static void init_context(ZcCabac* c, int ctx, const int8_t mn[2], int qp) {
  /* The standard's ">> 4" of a negative product rounds towards minus infinity. */
  const int product = mn[0] * qp;
  int pre = (product >= 0 ? product / 16 : -((-product + 15) / 16)) + mn[1];
  pre = pre < 1 ? 1 : pre > 126 ? 126 : pre;
  c->state[ctx] = (uint8_t)(pre <= 63 ? 63 - pre : pre - 64);
  c->mps[ctx] = pre > 63;
}

void zc_cabac_restart(ZcCabac* c) {
  c->low = 0;
  c->range = 510;
  c->outstanding = 0;
  c->first_bit = 1;
}

void zc_cabac_start(ZcCabac* c, ZcBits* w, int p_slice, int cabac_init_idc, int slice_qp) {
  const int qp = slice_qp < 0 ? 0 : slice_qp > 51 ? 51 : slice_qp;
  c->w = w;
  for (int i = 0; i < 3; ++i)
    c->state[i] = c->mps[i] = 0;
  for (int i = 0; i < 8; ++i)
    init_context(c, 3 + i, init_i[i], qp);
  const int idc = cabac_init_idc < 0 ? 0 : cabac_init_idc > 2 ? 2 : cabac_init_idc;
  for (int i = 0; i < 10; ++i)
    init_context(c, 11 + i, p_slice ? init_p[idc][i] : init_p[0][i], qp);
  zc_cabac_restart(c);
}

/* PutBit (9.3.4.2): the first bit of an engine's life is the decoder's, never written. */
static void put_bit(ZcCabac* c, uint32_t bit) {
  if (c->first_bit)
    c->first_bit = 0;
  else
    zc_bits_put(c->w, 1, bit);
  for (; c->outstanding; --c->outstanding)
    zc_bits_put(c->w, 1, bit ^ 1u);
}

static void renorm(ZcCabac* c) {
  while (c->range < 256) {
    if (c->low < 256) {
      put_bit(c, 0);
    } else if (c->low >= 512) {
      c->low -= 512;
      put_bit(c, 1);
    } else {
      c->low -= 256;
      ++c->outstanding;
    }
    c->range <<= 1;
    c->low <<= 1;
  }
}

static void decision(ZcCabac* c, int ctx, int bin) {
  const uint32_t lps = range_lps[c->state[ctx]][(c->range >> 6) & 3];
  c->range -= lps;
  if (bin != c->mps[ctx]) {
    c->low += c->range;
    c->range = lps;
    if (c->state[ctx] == 0) c->mps[ctx] ^= 1;
    c->state[ctx] = next_lps[c->state[ctx]];
  } else if (c->state[ctx] < 62) {
    ++c->state[ctx];
  }
  renorm(c);
}

/* EncodeTerminate with EncodeFlush (9.3.4.5): the decoder has read exactly up to the last bit
 * written here, the 1 that ends a slice as its rbsp_stop_one_bit. */
static void terminate(ZcCabac* c, int bin) {
  c->range -= 2;
  if (!bin) {
    renorm(c);
    return;
  }
  c->low += c->range;
  c->range = 2;
  renorm(c);
  put_bit(c, (c->low >> 9) & 1);
  zc_bits_put(c->w, 2, ((c->low >> 7) & 3) | 1);
}

void zc_cabac_pcm_mb_type(ZcCabac* c, int p_slice, int neighbours) {
  if (p_slice) {
    decision(c, 11 + neighbours, 0); /* mb_skip_flag */
    decision(c, 14, 1);              /* mb_type prefix: intra */
    decision(c, 17, 1);              /* the suffix's first bin (ctxIdxInc 0 in P slices): not I_NxN */
  } else {
    decision(c, 3 + neighbours, 1); /* not I_NxN: neighbours that are not I_NxN each add 1 */
  }
  terminate(c, 1); /* I_PCM rather than I_16x16 */
}

void zc_cabac_end_of_slice(ZcCabac* c, int last) {
  terminate(c, last);
}
