#include "zerocopy/cuda_bridge/vk/vk_pass.hpp"

#include <cstring>

#include <fmt/format.h>

namespace zc::zerocopy::cuda_bridge {
namespace {

constexpr uint32_t kSpirv[] =
#include "zerocopy/cuda_bridge/shaders/convert_comp.spv.inc"
    ;

constexpr uint32_t kGroup = 16;
constexpr uint32_t kMaxCursor = 256;  // cursor bitmaps up to 256x256 are drawn

// std140 mirror of convert.comp's Params: every member is 16 bytes.
struct Params {
  int32_t regions[3][4];
  int32_t dst_base[4];
  int32_t dst_pitch[4];
  int32_t src_info[4];
  int32_t src_order[4];
  float crop[4];
  int32_t out_info[4];
  int32_t out_order[4];
  int32_t cursor[4];
  int32_t cursor_order[4];
  int32_t misc[4];
  int32_t yuv[3][4];  // luma, Cb, Cr: R, G, B factors and offset (core/colour.hpp's YuvFactors)
};
static_assert(sizeof(Params) == 16 * 16);

}  // namespace

Result<std::unique_ptr<VkPass>> VkPass::create(const VkContext& ctx) {
  std::unique_ptr<VkPass> p(new VkPass(ctx));
  const VkApi& vk = ctx.api();
  VkDevice dev = ctx.device();

  VkShaderModuleCreateInfo smi{};

  smi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  smi.codeSize = sizeof kSpirv;
  smi.pCode = kSpirv;
  if (auto ok =
          ctx.check(vk.vkCreateShaderModule(dev, &smi, nullptr, p->shader_.receive(vk, dev)), "vkCreateShaderModule");
      !ok)
    return tl::unexpected(ok.error());

  VkDescriptorSetLayoutBinding bindings[4] = {};
  for (uint32_t i = 0; i < 4; ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = i == 3 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo dli{};
  dli.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  dli.bindingCount = 4;
  dli.pBindings = bindings;
  if (auto ok = ctx.check(vk.vkCreateDescriptorSetLayout(dev, &dli, nullptr, p->set_layout_.receive(vk, dev)),
                          "vkCreateDescriptorSetLayout");
      !ok)
    return tl::unexpected(ok.error());
  VkPipelineLayoutCreateInfo pli{};
  pli.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  pli.setLayoutCount = 1;
  pli.pSetLayouts = p->set_layout_.address();
  if (auto ok = ctx.check(vk.vkCreatePipelineLayout(dev, &pli, nullptr, p->pipeline_layout_.receive(vk, dev)),
                          "vkCreatePipelineLayout");
      !ok)
    return tl::unexpected(ok.error());
  VkComputePipelineCreateInfo cpi{};
  cpi.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cpi.stage.module = p->shader_.get();
  cpi.stage.pName = "main";
  cpi.layout = p->pipeline_layout_.get();
  if (auto ok =
          ctx.check(vk.vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &cpi, nullptr, p->pipeline_.receive(vk, dev)),
                    "vkCreateComputePipelines");
      !ok)
    return tl::unexpected(ok.error());

  VkDescriptorPoolSize sizes[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 3}, {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, 1}};
  VkDescriptorPoolCreateInfo dpi{};
  dpi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  dpi.maxSets = 1;
  dpi.poolSizeCount = 2;
  dpi.pPoolSizes = sizes;
  if (auto ok = ctx.check(vk.vkCreateDescriptorPool(dev, &dpi, nullptr, p->descriptor_pool_.receive(vk, dev)),
                          "vkCreateDescriptorPool");
      !ok)
    return tl::unexpected(ok.error());
  VkDescriptorSetAllocateInfo dsi{};
  dsi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  dsi.descriptorPool = p->descriptor_pool_.get();
  dsi.descriptorSetCount = 1;
  dsi.pSetLayouts = p->set_layout_.address();
  if (auto ok = ctx.check(vk.vkAllocateDescriptorSets(dev, &dsi, &p->set_), "vkAllocateDescriptorSets"); !ok)
    return tl::unexpected(ok.error());

  VkCommandPoolCreateInfo cpci{};

  cpci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  cpci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  cpci.queueFamilyIndex = ctx.queue_family();
  if (auto ok = ctx.check(vk.vkCreateCommandPool(dev, &cpci, nullptr, p->command_pool_.receive(vk, dev)),
                          "vkCreateCommandPool");
      !ok)
    return tl::unexpected(ok.error());
  VkCommandBufferAllocateInfo cbi{};
  cbi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  cbi.commandPool = p->command_pool_.get();
  cbi.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cbi.commandBufferCount = 1;
  if (auto ok = ctx.check(vk.vkAllocateCommandBuffers(dev, &cbi, &p->cb_), "vkAllocateCommandBuffers"); !ok)
    return tl::unexpected(ok.error());
  VkFenceCreateInfo fci{};
  fci.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (auto ok = ctx.check(vk.vkCreateFence(dev, &fci, nullptr, p->fence_.receive(vk, dev)), "vkCreateFence"); !ok)
    return tl::unexpected(ok.error());

  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  auto params = VkOwnedBuffer::create(ctx, sizeof(Params), VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT, host, false);
  if (!params) return tl::unexpected(params.error());
  p->params_ = std::move(*params);
  auto cursor =
      VkOwnedBuffer::create(ctx, kMaxCursor * kMaxCursor * 4, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, host, false);
  if (!cursor) return tl::unexpected(cursor.error());
  p->cursor_ = std::move(*cursor);
  return p;
}

VkPass::~VkPass() {
  // The handles go with their owners (the members, in reverse order), once no pass reads them.
  if (pending_) ctx_.api().vkWaitForFences(ctx_.device(), 1, fence_.address(), VK_TRUE, 1'000'000'000ull);
}

bool VkPass::enable_timing(bool on) {
  if (on && !queries_ && ctx_.timestamps()) {
    VkQueryPoolCreateInfo qi{};
    qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = 2;
    if (ctx_.api().vkCreateQueryPool(ctx_.device(), &qi, nullptr, queries_.receive(ctx_.api(), ctx_.device())) !=
        VK_SUCCESS) {
      queries_.reset();
    }
  }
  timing_ = on && static_cast<bool>(queries_);
  return timing_;
}

void VkPass::upload_cursor(const Cursor* cursor, bool& drawn, uint32_t& pitch_words) {
  drawn = false;
  if (!cursor || !cursor->visible || !cursor->pixels || cursor->width == 0 || cursor->height == 0) return;
  if (!is_packed_rgb(cursor->format) || cursor->stride < cursor->width * 4) return;
  if (cursor->width > kMaxCursor || cursor->height > kMaxCursor) return;
  drawn = true;
  pitch_words = cursor->width;
  const size_t row = size_t{cursor->width} * 4;
  bool same = cursor_w_ == cursor->width && cursor_h_ == cursor->height;
  for (uint32_t y = 0; same && y < cursor->height; ++y)
    same = std::memcmp(cursor_cache_.data() + y * row, cursor->pixels + size_t{y} * cursor->stride, row) == 0;
  if (same) return;
  // The previous pass is done (submit() waited), so the buffer may be rewritten.
  cursor_cache_.resize(row * cursor->height);
  auto* dst = static_cast<uint8_t*>(cursor_.mapped());
  for (uint32_t y = 0; y < cursor->height; ++y) {
    std::memcpy(cursor_cache_.data() + y * row, cursor->pixels + size_t{y} * cursor->stride, row);
    std::memcpy(dst + y * row, cursor->pixels + size_t{y} * cursor->stride, row);
  }
  cursor_w_ = cursor->width;
  cursor_h_ = cursor->height;
}

Result<void> VkPass::submit(const VkPassSource& src, const VkPassDest& dst, const Rect& crop, const Cursor* cursor,
                            VkSemaphore wait_sem, VkSemaphore signal_sem) {
  if (pending_)
    if (auto ok = wait(1'000'000'000ull); !ok) return ok;
  if (src.offset % 4 || src.stride % 4 || dst.pitch % 8)
    return fail(Errc::invalid_argument, "zerocopy:vulkan", "source offset/stride or destination pitch misaligned");
  const VkApi& vk = ctx_.api();
  VkDevice dev = ctx_.device();
  const cuda::FrameLayout& l = dst.layout;

  bool cursor_drawn = false;
  uint32_t cursor_pitch = 0;
  upload_cursor(cursor, cursor_drawn, cursor_pitch);

  Params prm{};
  for (uint32_t i = 0; i < 3; ++i) {
    prm.regions[i][0] = static_cast<int32_t>(l.words[i].x);
    prm.regions[i][1] = static_cast<int32_t>(l.words[i].y);
    prm.regions[i][2] = static_cast<int32_t>(l.words[i].w);
    prm.regions[i][3] = static_cast<int32_t>(l.words[i].h);
    if (i < l.planes) {
      prm.dst_base[i] = static_cast<int32_t>(l.plane_offset(i, dst.pitch) / 4);
      prm.dst_pitch[i] = static_cast<int32_t>(l.plane_pitch(i, dst.pitch) / 4);
    }
  }
  prm.src_info[0] = static_cast<int32_t>(src.offset / 4);
  prm.src_info[1] = static_cast<int32_t>(src.stride / 4);
  prm.src_info[2] = static_cast<int32_t>(src.width);
  prm.src_info[3] = static_cast<int32_t>(src.height);
  const auto src_off = cuda::packed_channel_offsets(src.format);
  for (int i = 0; i < 3; ++i)
    prm.src_order[i] = src_off[static_cast<size_t>(i)];
  prm.crop[0] = static_cast<float>(crop.x);
  prm.crop[1] = static_cast<float>(crop.y);
  prm.crop[2] = static_cast<float>(crop.width);
  prm.crop[3] = static_cast<float>(crop.height);
  prm.out_info[0] = static_cast<int32_t>(l.width);
  prm.out_info[1] = static_cast<int32_t>(l.height);
  prm.out_info[2] = is_packed_rgb(l.format) ? 0 : l.format == PixelFormat::NV12 ? 1 : 2;
  prm.out_info[3] = static_cast<int32_t>(l.planes);
  const auto order = cuda::packed_byte_order(is_packed_rgb(l.format) ? l.format : PixelFormat::RGBA);
  for (size_t i = 0; i < 4; ++i)
    prm.out_order[i] = order[i];
  if (cursor_drawn) {
    const auto off = cuda::packed_channel_offsets(cursor->format);
    prm.cursor[0] = cursor->x;
    prm.cursor[1] = cursor->y;
    prm.cursor[2] = static_cast<int32_t>(cursor->width);
    prm.cursor[3] = static_cast<int32_t>(cursor->height);
    prm.cursor_order[0] = off[0];
    prm.cursor_order[1] = off[1];
    prm.cursor_order[2] = off[2];
    prm.cursor_order[3] = has_alpha(cursor->format) ? off[3] : -1;
  }
  prm.misc[0] = static_cast<int32_t>(cursor_pitch);
  prm.misc[1] = crop.width != l.width || crop.height != l.height;
  const YuvFactors f = yuv_factors_8bit(dst.colour);
  const int32_t yuv[3][4] = {
      {f.yr, f.yg, f.yb, f.y_offset}, {f.ur, f.ug, f.ub, f.c_offset}, {f.vr, f.vg, f.vb, f.c_offset}};
  std::memcpy(prm.yuv, yuv, sizeof yuv);
  std::memcpy(params_.mapped(), &prm, sizeof prm);

  VkDescriptorBufferInfo infos[4] = {{src.buffer, 0, VK_WHOLE_SIZE},
                                     {dst.buffer, 0, VK_WHOLE_SIZE},
                                     {cursor_.buffer(), 0, VK_WHOLE_SIZE},
                                     {params_.buffer(), 0, VK_WHOLE_SIZE}};
  VkWriteDescriptorSet writes[4] = {};
  for (uint32_t i = 0; i < 4; ++i) {
    writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[i].dstSet = set_;
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = i == 3 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  vk.vkUpdateDescriptorSets(dev, 4, writes, 0, nullptr);

  vk.vkResetCommandBuffer(cb_, 0);
  VkCommandBufferBeginInfo bi{};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vk.vkBeginCommandBuffer(cb_, &bi);
  if (timing_) {
    vk.vkCmdResetQueryPool(cb_, queries_.get(), 0, 2);
    vk.vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_.get(), 0);
  }
  const bool foreign = src.foreign && ctx_.queue_family_foreign();
  VkBufferMemoryBarrier acquire{};
  acquire.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER;
  acquire.srcQueueFamilyIndex = VK_QUEUE_FAMILY_FOREIGN_EXT;
  acquire.dstQueueFamilyIndex = ctx_.queue_family();
  acquire.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
  acquire.buffer = src.buffer;
  acquire.size = VK_WHOLE_SIZE;
  if (foreign)
    vk.vkCmdPipelineBarrier(cb_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, nullptr,
                            1, &acquire, 0, nullptr);
  vk.vkCmdBindPipeline(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_.get());
  vk.vkCmdBindDescriptorSets(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_layout_.get(), 0, 1, &set_, 0, nullptr);
  vk.vkCmdDispatch(cb_, (l.grid_w + kGroup - 1) / kGroup, (l.grid_h + kGroup - 1) / kGroup, 1);
  if (foreign) {
    // Hand the dmabuf back to its producer's world once we have read it.
    VkBufferMemoryBarrier release = acquire;
    release.srcQueueFamilyIndex = ctx_.queue_family();
    release.dstQueueFamilyIndex = VK_QUEUE_FAMILY_FOREIGN_EXT;
    release.srcAccessMask = VK_ACCESS_SHADER_READ_BIT;
    release.dstAccessMask = 0;
    vk.vkCmdPipelineBarrier(cb_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0,
                            nullptr, 1, &release, 0, nullptr);
  }
  if (timing_) vk.vkCmdWriteTimestamp(cb_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_.get(), 1);
  if (auto ok = ctx_.check(vk.vkEndCommandBuffer(cb_), "vkEndCommandBuffer"); !ok) return ok;

  const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
  VkSubmitInfo si{};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.waitSemaphoreCount = wait_sem ? 1 : 0;
  si.pWaitSemaphores = &wait_sem;
  si.pWaitDstStageMask = &wait_stage;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb_;
  si.signalSemaphoreCount = signal_sem ? 1 : 0;
  si.pSignalSemaphores = &signal_sem;
  vk.vkResetFences(dev, 1, fence_.address());
  if (auto ok = ctx_.check(vk.vkQueueSubmit(ctx_.queue(), 1, &si, fence_.get()), "vkQueueSubmit"); !ok) return ok;
  pending_ = true;
  timed_ = timing_;
  return {};
}

Result<void> VkPass::wait(uint64_t timeout_ns) {
  if (!pending_) return {};
  const VkResult r = ctx_.api().vkWaitForFences(ctx_.device(), 1, fence_.address(), VK_TRUE, timeout_ns);
  if (r == VK_TIMEOUT) return fail(Errc::timeout, "zerocopy:vulkan", "the Vulkan pass did not finish in time");
  if (auto ok = ctx_.check(r, "vkWaitForFences"); !ok) return ok;
  pending_ = false;
  return {};
}

std::optional<double> VkPass::last_gpu_ms() {
  if (!timed_ || pending_) return std::nullopt;
  uint64_t ts[2] = {};
  if (ctx_.api().vkGetQueryPoolResults(ctx_.device(), queries_.get(), 0, 2, sizeof ts, ts, sizeof(uint64_t),
                                       VK_QUERY_RESULT_64_BIT) != VK_SUCCESS)
    return std::nullopt;
  return static_cast<double>(ts[1] - ts[0]) * ctx_.timestamp_period_ns() / 1e6;
}

}  // namespace zc::zerocopy::cuda_bridge
