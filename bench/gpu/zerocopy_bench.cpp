// GPU bridge benchmark (not a test). Per frame at 1920x1080 and 3840x2160, each beside one
// device-to-device cuMemcpy2D of the same frame measured in the same run:
//   cuda   the CUDA side (EGL: map → copy → unmap; Vulkan: the copy out of the exported buffer),
//          CUDA events; for EGL also the time the map holds the stream (it waits for the GL pass)
//   pass   the GL or Vulkan pass (timer queries / timestamps)
//   wall   import() start → pooled buffer ready (cuEventSynchronize on its event), one at a time
//   cpu    process CPU time per import() (all threads: driver threads count too)
// wall, cpu and fps are measured with the timing instrumentation (events, queries) off.
//   fps    frames per second with frames pipelined (3 in flight, the oldest waited on and dropped)
// For the deferred EGL bridge (no wait in import()), cpu also counts the reads_done() query that
// gives the buffer back, as capture makes it.
// Then the capture loop as the daemon runs it, paced at 60 fps: process CPU per frame of import()
// plus, when the importer leaves its read in flight, a 2 ms timer (timerfd + poll, as PipeWire's
// loop) and reads_done() — the CPU-wait bridges against the deferred one in the same run.
// Then the no-NVENC download (DownloadImporter's download_into) of an NV12 frame into pooled host
// frames, pageable against page-locked, beside a CPU memcpy of the same bytes in the same run.
// Usage: zerocopy_bench [frames] ; prints a table and the ratios the issue asks for.
#include <poll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cuda/download.hpp"
#include "cuda/frame_pool.hpp"
#include "zerocopy/cuda_bridge/download_importer.hpp"
#include "zerocopy/cuda_bridge/egl_cuda_importer.hpp"
#include "zerocopy/cuda_bridge/self_test.hpp"
#include "zerocopy/cuda_bridge/vulkan_cuda_importer.hpp"

using namespace zc;
using namespace zc::zerocopy;
using namespace zc::zerocopy::cuda_bridge;

namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_ms(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}
template <class T>
T need(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().describe());
  return std::move(*r);
}

// Two pitched device buffers of a packed w x h frame, and the copy from one to the other.
class D2dPair {
 public:
  D2dPair(cuda::CudaContext& ctx, uint32_t w, uint32_t h) : ctx_(ctx), w_(w), h_(h) {
    cuda::CudaContext::Scope scope(ctx_);
    const cuda::CudaApi& cu = ctx_.api();
    if (cu.cuMemAllocPitch(&a_, &pa_, size_t{w} * 4, h, 4) || cu.cuMemAllocPitch(&b_, &pb_, size_t{w} * 4, h, 4))
      die("cuMemAllocPitch");
  }
  ~D2dPair() {
    cuda::CudaContext::Scope scope(ctx_);
    ctx_.api().cuStreamSynchronize(ctx_.stream());
    ctx_.api().cuMemFree(a_);
    ctx_.api().cuMemFree(b_);
  }
  D2dPair(const D2dPair&) = delete;
  D2dPair& operator=(const D2dPair&) = delete;
  CUDA_MEMCPY2D copy() const {
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.srcDevice = a_;
    c.srcPitch = pa_;
    c.dstDevice = b_;
    c.dstPitch = pb_;
    c.WidthInBytes = size_t{w_} * 4;
    c.Height = h_;
    return c;
  }

 private:
  cuda::CudaContext& ctx_;
  uint32_t w_, h_;
  CUdeviceptr a_ = 0, b_ = 0;
  size_t pa_ = 0, pb_ = 0;
};

// One device-to-device cuMemcpy2D of a packed frame, pitched to pitched, CUDA events, median.
double d2d_ms(cuda::CudaContext& ctx, uint32_t w, uint32_t h, int frames) {
  D2dPair pair(ctx, w, h);
  cuda::CudaContext::Scope scope(ctx);
  const cuda::CudaApi& cu = ctx.api();
  auto e0 = need(
      cuda::CudaEvent::create(std::shared_ptr<const cuda::CudaContext>(&ctx, [](const cuda::CudaContext*) {}), true),
      "event");
  auto e1 = need(
      cuda::CudaEvent::create(std::shared_ptr<const cuda::CudaContext>(&ctx, [](const cuda::CudaContext*) {}), true),
      "event");
  std::vector<double> t;
  const CUDA_MEMCPY2D c = pair.copy();
  for (int i = 0; i < frames + 10; ++i) {
    cu.cuEventRecord(e0.get(), ctx.stream());
    cu.cuMemcpy2DAsync(&c, ctx.stream());
    cu.cuEventRecord(e1.get(), ctx.stream());
    cu.cuEventSynchronize(e1.get());
    float ms = 0;
    cu.cuEventElapsedTime(&ms, e0.get(), e1.get());
    if (i >= 10) t.push_back(ms);
  }
  return median(t);
}

// The daemon's importers time one frame in this many (the options' default).
constexpr uint32_t kDaemonTimingEvery = EglCudaOptions{}.timing_every;
static_assert(kDaemonTimingEvery == VulkanCudaOptions{}.timing_every);

struct Row {
  std::string name;
  uint32_t w = 0, h = 0;
  double cuda = -1, map = -1, pass = -1, wall = -1, cpu = -1, cpu_thread = -1, cpu_piped = -1, fps = -1, d2d = -1;
  double cpu_thread_timed = -1;  // the importing thread with per-frame timing on (the daemon's default)
  double gpu_metric = -1;        // what gpu_time() (the metrics) reported per frame meanwhile
};

// Runs `import` sequentially with the GPU timing instrumentation (cuda, map, pass), sequentially
// without it (wall, cpu), then pipelined without it (fps).
template <class Importer, class ImportFn>
Row measure(const std::string& name, uint32_t w, uint32_t h, Importer& imp, ImportFn import, uint64_t buffer_id,
            int frames, cuda::CudaContext& ctx) {
  std::printf("  measuring %s at %ux%u\n", name.c_str(), w, h);
  Row r;
  r.name = name;
  r.w = w;
  r.h = h;
  std::vector<double> wall, cuda, map, pass;
  // GPU timings with the instrumentation on...
  imp.set_timing(true);
  for (int i = 0; i < frames + 10; ++i) {
    const double t0 = now_ms();
    DeviceFrame f = need(import(), "import");
    {
      cuda::CudaContext::Scope scope(ctx);
      ctx.api().cuEventSynchronize(static_cast<CUevent>(f.ready_event));
    }
    if (i == 0) std::printf("    first frame %.3f ms\n", now_ms() - t0);
    imp.reads_done(buffer_id, true);
    auto timing = need(imp.last_timing(), "timing");
    if (i < 10) continue;
    cuda.push_back(timing.cuda_ms);
    if (timing.map_ms >= 0) map.push_back(timing.map_ms);
    if (timing.pass_ms >= 0) pass.push_back(timing.pass_ms);
  }
  // ...wall and CPU without it, then the importing thread's CPU with it as the daemon runs
  // (timing read at the next import, without waiting) and what gpu_time() said meanwhile.
  auto sequential = [&](bool timed, std::vector<double>* walls, double& cpu_total, double& thread_total) {
    imp.set_timing(timed);
    cpu_total = thread_total = 0;
    for (int i = 0; i < frames + 10; ++i) {
      const double c0 = cpu_ms(), th0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID), t0 = now_ms();
      DeviceFrame f = need(import(), "import");
      const double c1 = cpu_ms(), th1 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
      {
        cuda::CudaContext::Scope scope(ctx);
        ctx.api().cuEventSynchronize(static_cast<CUevent>(f.ready_event));
      }
      const double t1 = now_ms();
      // Capture gives the buffer back once its read is done (the frame is ready: it is).
      const double c2 = cpu_ms(), th2 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
      imp.reads_done(buffer_id, true);
      const double c3 = cpu_ms(), th3 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
      if (i < 10) continue;
      if (walls) walls->push_back(t1 - t0);
      cpu_total += (c1 - c0) + (c3 - c2);
      thread_total += (th1 - th0) + (th3 - th2);
    }
  };
  double cpu_total = 0, thread_total = 0;
  sequential(false, &wall, cpu_total, thread_total);
  r.wall = median(wall);
  r.cpu = cpu_total / frames;
  r.cpu_thread = thread_total / frames;
  imp.set_timing_every(kDaemonTimingEvery);
  const zc::zerocopy::GpuTime g0 = imp.gpu_time();
  sequential(true, nullptr, cpu_total, thread_total);
  const zc::zerocopy::GpuTime g1 = imp.gpu_time();
  imp.set_timing_every(1);
  r.cpu_thread_timed = thread_total / frames;
  if (g1.frames > g0.frames)
    r.gpu_metric = static_cast<double>(g1.ns - g0.ns) / 1e6 / static_cast<double>(g1.frames - g0.frames);
  imp.set_timing(false);
  r.cuda = median(cuda);
  r.map = median(map);
  r.pass = median(pass);

  // Pipelined: keep three frames in flight, as an encoder queue would.
  std::deque<DeviceFrame> q;
  const double c0 = cpu_ms(), t0 = now_ms();
  for (int i = 0; i < frames; ++i) {
    imp.reads_done(buffer_id, true);  // capture gives the last buffer back before the next arrives
    q.push_back(need(import(), "import"));
    if (q.size() > 3) {
      cuda::CudaContext::Scope scope(ctx);
      ctx.api().cuEventSynchronize(static_cast<CUevent>(q.front().ready_event));
      q.pop_front();
    }
  }
  imp.reads_done(buffer_id, true);
  while (!q.empty()) {
    cuda::CudaContext::Scope scope(ctx);
    ctx.api().cuEventSynchronize(static_cast<CUevent>(q.front().ready_event));
    q.pop_front();
  }
  const double t1 = now_ms(), c1 = cpu_ms();
  r.fps = frames * 1000.0 / (t1 - t0);
  r.cpu_piped = (c1 - c0) / frames;
  imp.set_timing(true);
  return r;
}

void print(const std::vector<Row>& rows) {
  std::printf("\n%-34s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %9s %8s\n", "bridge / target", "size", "d2d", "cuda",
              "map", "pass", "gpu|met", "wall", "cpu", "cpu|thr", "thr|tim", "cpu|pipe", "fps|pipe", "cuda/d2d");
  for (const Row& r : rows) {
    std::printf("%-34s %4ux%-4u %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %9.0f %8.2f\n",
                r.name.c_str(), r.w, r.h, r.d2d, r.cuda, r.map, r.pass, r.gpu_metric, r.wall, r.cpu, r.cpu_thread,
                r.cpu_thread_timed, r.cpu_piped, r.fps, r.cuda / r.d2d);
  }
  std::printf(
      "(ms per frame; medians except cpu = mean; cpu = process, cpu|thr = the importing thread alone, thr|tim =\n"
      " the same with per-frame timing on (the daemon's default); gpu|met = GPU time per frame as the metrics\n"
      " report it (gpu_time()); map = EGL map holding the stream until the GL pass is done; -1 = not measured)\n");
}

struct PacedRow {
  std::string name;
  uint32_t w = 0, h = 0;
  double cpu = -1, cpu_thread = -1;
  uint64_t kept = 0;  // frames whose buffer waited for the release timer
  int frames = 0;
};

// The capture loop as the daemon runs it, paced at `fps`: import(); when the importer still reads
// the source, a 2 ms timer (timerfd + poll, as PipeWire's loop and StreamOptions::release_delay)
// and reads_done(). Frames go to a queue 3 deep and are dropped unread: the encoder's CPU is not
// the import's. CPU is counted over the whole run, idle time included, so every driver thread's
// work counts whenever it happens. GPU timing on one frame in 8, as the daemon.
template <class Importer, class ImportFn>
PacedRow paced(const std::string& name, uint32_t w, uint32_t h, Importer& imp, ImportFn import, uint64_t buffer_id,
               int frames, double fps) {
  std::printf("  pacing %s at %ux%u, %.0f fps\n", name.c_str(), w, h, fps);
  PacedRow r;
  r.name = name;
  r.w = w;
  r.h = h;
  r.frames = frames;
  imp.set_timing(true);
  imp.set_timing_every(kDaemonTimingEvery);
  const int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (tfd < 0) die("timerfd_create");
  const auto period =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / fps));
  std::deque<DeviceFrame> q;
  auto next = std::chrono::steady_clock::now();
  double c0 = 0, th0 = 0;
  for (int i = 0; i < frames + 10; ++i) {
    if (i == 10) {
      c0 = cpu_ms();
      th0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    }
    next += period;
    std::this_thread::sleep_until(next);
    q.push_back(need(import(), "import"));
    if (q.size() > 3) q.pop_front();
    if (imp.reads_done(buffer_id, false)) continue;
    if (i >= 10) ++r.kept;
    itimerspec its{};
    its.it_value.tv_nsec = 2'000'000;
    timerfd_settime(tfd, 0, &its, nullptr);
    pollfd p{tfd, POLLIN, 0};
    poll(&p, 1, -1);
    uint64_t expirations = 0;
    if (read(tfd, &expirations, sizeof expirations) < 0) die("read(timerfd)");
    imp.reads_done(buffer_id, true);
  }
  next += period;
  std::this_thread::sleep_until(next);  // the last frame's background work falls inside the run
  r.cpu = (cpu_ms() - c0) / frames;
  r.cpu_thread = (cpu_ms(CLOCK_THREAD_CPUTIME_ID) - th0) / frames;
  close(tfd);
  while (!q.empty()) {
    cuda::CudaContext::Scope scope(imp.cuda());
    if (q.front().ready_event) imp.cuda().api().cuEventSynchronize(static_cast<CUevent>(q.front().ready_event));
    q.pop_front();
  }
  imp.set_timing_every(1);
  return r;
}

// References for the paced loop, same pacing, same run: no import at all (what waking up 60 times
// a second and the process's idle threads cost), and one device-to-device copy of the frame with
// an event recorded after it (the least a GPU path can do per frame).
struct PacedReference {
  explicit PacedReference(cuda::CudaContext& c) : ctx(c) {}
  cuda::CudaContext& ctx;
  const cuda::CudaContext& cuda() const { return ctx; }
  bool reads_done(uint64_t, bool) { return true; }
  void set_timing(bool) {}
  void set_timing_every(uint32_t) {}
};

// The paced references at w x h: idle, then one D2D copy per frame.
void paced_references(cuda::CudaContext& ctx, uint32_t w, uint32_t h, int frames, std::vector<PacedRow>& rows) {
  PacedReference ref(ctx);
  rows.push_back(paced(
      "reference: idle (wake-ups only)", w, h, ref, [] { return Result<DeviceFrame>(DeviceFrame{}); }, 0, frames, 60));
  D2dPair pair(ctx, w, h);
  const CUDA_MEMCPY2D c = pair.copy();
  auto done =
      need(cuda::CudaEvent::create(std::shared_ptr<const cuda::CudaContext>(&ctx, [](const cuda::CudaContext*) {})),
           "event");
  rows.push_back(paced(
      "reference: one d2d copy + event", w, h, ref,
      [&] {
        cuda::CudaContext::Scope s(ctx);
        ctx.api().cuMemcpy2DAsync(&c, ctx.stream());
        ctx.api().cuEventRecord(done.get(), ctx.stream());
        return Result<DeviceFrame>(DeviceFrame{});
      },
      0, frames, 60));
}

void print(const std::vector<PacedRow>& rows) {
  std::printf("\n%-34s %9s %8s %8s %8s %8s %8s\n", "paced capture, 60 fps", "size", "cpu", "cpu|thr", "-idle", "kept",
              "cpu/wait");
  for (const PacedRow& r : rows) {
    // References, same size, same run: the EGL bridge that sleeps on a CUDA event inside import(),
    // and the idle loop.
    double wait_cpu = -1, idle_cpu = 0;
    for (const PacedRow& o : rows) {
      if (o.w != r.w) continue;
      if (o.name.find("cuda event") != std::string::npos) wait_cpu = o.cpu;
      if (o.name.find("idle") != std::string::npos) idle_cpu = o.cpu;
    }
    std::printf("%-34s %4ux%-4u %8.3f %8.3f %8.3f %8lu %8.2f\n", r.name.c_str(), r.w, r.h, r.cpu, r.cpu_thread,
                r.cpu - idle_cpu, static_cast<unsigned long>(r.kept), wait_cpu > 0 ? r.cpu / wait_cpu : -1.0);
  }
  std::printf(
      "(ms per frame, NV12 out; cpu = process CPU over the whole paced run / frames (all threads, idle time\n"
      " included), cpu|thr = the capture thread, -idle = cpu above the idle reference; kept = frames whose\n"
      " buffer waited for the 2 ms release timer; cpu/wait = against the EGL bridge that sleeps on a CUDA\n"
      " event inside import(), same size, same run)\n");
}

struct DownloadRow {
  std::string name;
  uint32_t w = 0, h = 0;
  double wall = -1, cpu = -1, cpu_thread = -1, memcpy = -1;
  uint64_t created = 0, page_locked = 0;
};

// download_into() of one NV12 CUDA frame into host frames from a pool of `memory`, one at a time.
DownloadRow measure_download(const std::string& name, uint32_t w, uint32_t h,
                             std::shared_ptr<cuda::BufferMemory> memory, const DeviceFrame& src, int frames,
                             cuda::CudaContext& ctx) {
  DownloadRow r;
  r.name = name;
  r.w = w;
  r.h = h;
  const cuda::FrameLayout layout = need(cuda::frame_layout(w, h, PixelFormat::NV12), "layout");
  cuda::FramePool host(memory, 4);
  std::vector<double> wall;
  double cpu_total = 0, thread_total = 0;
  std::deque<DeviceFrame> held;  // as an encoder queue holds a few
  for (int i = 0; i < frames + 10; ++i) {
    const double c0 = cpu_ms(), th0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID), t0 = now_ms();
    DeviceFrame out = cuda::FramePool::to_device_frame(need(host.acquire(layout), "host frame"), zc::FrameMemory::Cpu);
    if (auto ok = download_into(ctx, src, out); !ok) die(ok.error().describe());
    const double t1 = now_ms(), c1 = cpu_ms(), th1 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    held.push_back(std::move(out));
    if (held.size() > 2) held.pop_front();
    if (i < 10) continue;
    wall.push_back(t1 - t0);
    cpu_total += c1 - c0;
    thread_total += th1 - th0;
  }
  r.wall = median(wall);
  r.cpu = cpu_total / frames;
  r.cpu_thread = thread_total / frames;
  r.created = host.counters().created;
  r.page_locked = memory->page_locked();
  // Reference: the same bytes copied by the CPU, host to host, into a pool of 4 destinations.
  const size_t bytes = size_t{w} * h * 3 / 2;
  std::vector<uint8_t> from(bytes, 0x5a);
  std::vector<std::vector<uint8_t>> to(4, std::vector<uint8_t>(bytes));
  std::vector<double> copies;
  for (int i = 0; i < frames + 10; ++i) {
    const double t0 = now_ms();
    std::memcpy(to[static_cast<size_t>(i) % to.size()].data(), from.data(), bytes);
    if (i >= 10) copies.push_back(now_ms() - t0);
  }
  r.memcpy = median(copies);
  return r;
}

void print(const std::vector<DownloadRow>& rows) {
  std::printf("\n%-30s %9s %8s %8s %8s %8s %8s %8s %8s\n", "download NV12 -> host", "size", "wall", "cpu", "cpu|thr",
              "memcpy", "cpu/mcpy", "created", "locked");
  for (const DownloadRow& r : rows)
    std::printf("%-30s %4ux%-4u %8.3f %8.3f %8.3f %8.3f %8.2f %8lu %8lu\n", r.name.c_str(), r.w, r.h, r.wall, r.cpu,
                r.cpu_thread, r.memcpy, r.cpu / r.memcpy, static_cast<unsigned long>(r.created),
                static_cast<unsigned long>(r.page_locked));
  std::printf(
      "(ms per frame; wall = median of download_into(), cpu = process mean, cpu|thr = this thread; memcpy = the\n"
      " same bytes host to host on the CPU in the same run; created/locked = host buffers made / page-locked)\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 200;
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows even if a driver call hangs
  auto api = cuda::load_cuda();
  if (!api) die(api.error().describe());
  auto ctx = need(cuda::CudaContext::create(*api, 0), "CUDA context");
  std::printf("zerocopy bench on %s, %d frames per measurement\n", ctx->name().c_str(), frames);
  auto egl_api = need(load_egl(), "EGL");
  auto vk_api = need(load_vulkan(), "Vulkan");

  std::vector<Row> rows;
  std::vector<PacedRow> paced_rows;
  const int paced_frames = std::min(frames, 300);  // 5 s per row at 60 fps
  for (auto [w, h] : {std::pair{1920u, 1080u}, std::pair{3840u, 2160u}}) {
    const double d2d = d2d_ms(*ctx, w, h, frames);
    paced_references(*ctx, w, h, paced_frames, paced_rows);
    const auto rgba = test_pattern_rgba(w, h, 1);

    for (auto [kind, wait, label] : {std::tuple{PassKind::Compute, SourceWait::EglFence, "egl compute, egl fence"},
                                     std::tuple{PassKind::Compute, SourceWait::CudaEvent, "egl compute, cuda event"},
                                     std::tuple{PassKind::Compute, SourceWait::Deferred, "egl compute, deferred"},
                                     std::tuple{PassKind::Draw, SourceWait::EglFence, "egl draw, egl fence"}}) {
      EglCudaOptions o;
      o.pass = kind;
      o.wait = wait;
      o.timing = true;
      o.timing_every = 1;
      auto imp = need(EglCudaImporter::create(ctx, egl_api, o), "EglCudaImporter");
      GlContext& gl = imp->gl();
      if (!gl.make_current()) die("make_current");
      const EglApi& a = gl.api();
      GlTexture tex = GlTexture::create(a);
      a.glBindTexture(GL_TEXTURE_2D, tex.id());
      a.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, static_cast<GLsizei>(w), static_cast<GLsizei>(h));
      a.glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(w), static_cast<GLsizei>(h), GL_RGBA,
                        GL_UNSIGNED_BYTE, rgba.data());
      const EGLint attrs[] = {EGL_GL_TEXTURE_LEVEL_KHR, 0, EGL_NONE};
      EglImage image(&a, gl.display(),
                     a.eglCreateImageKHR(gl.display(), gl.context(), EGL_GL_TEXTURE_2D_KHR,
                                         reinterpret_cast<EGLClientBuffer>(static_cast<uintptr_t>(tex.id())), attrs));
      if (!image) die("eglCreateImage");
      Frame meta;
      meta.width = w;
      meta.height = h;
      meta.format = PixelFormat::RGBA;
      for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::NV12}) {
        if (kind == PassKind::Draw && f == PixelFormat::NV12) continue;
        const ImportTarget t{w, h, f, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
        auto import = [&] { return imp->import_egl_image(1, image.get(), false, meta, t); };
        Row r = measure(std::string(label) + " -> " + std::string(to_string(f)), w, h, *imp, import, 1, frames, *ctx);
        r.d2d = d2d;
        rows.push_back(r);
        if (f == PixelFormat::NV12 && kind == PassKind::Compute && wait != SourceWait::EglFence)
          paced_rows.push_back(paced(label, w, h, *imp, import, 1, paced_frames, 60));
        const auto c = imp->pool().counters();
        std::printf("  %-40s pool: created %lu, acquired %lu, reused %lu\n", rows.back().name.c_str(),
                    static_cast<unsigned long>(c.created), static_cast<unsigned long>(c.acquired),
                    static_cast<unsigned long>(c.reused));
      }
      imp->forget(1);
    }

    for (auto [sync, label] :
         {std::pair{VkSync::Semaphores, "vulkan, semaphores"}, std::pair{VkSync::CpuFence, "vulkan, cpu fence"}}) {
      VulkanCudaOptions o;
      o.sync = sync;
      o.timing = true;
      o.timing_every = 1;
      auto imp = need(VulkanCudaImporter::create(ctx, vk_api, o), "VulkanCudaImporter");
      VkContext& vk = imp->vk();
      const auto bgrx = rgba_to_packed(rgba, PixelFormat::BGRx);
      const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      auto staging =
          need(VkOwnedBuffer::create(vk, bgrx.size(), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, host, false), "staging");
      std::memcpy(staging.mapped(), bgrx.data(), bgrx.size());
      auto src = need(
          VkOwnedBuffer::create(vk, bgrx.size(), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, false),
          "source");
      if (!vk.run_once([&](VkCommandBuffer cb) {
            VkBufferCopy region{0, 0, bgrx.size()};
            vk.api().vkCmdCopyBuffer(cb, staging.buffer(), src.buffer(), 1, &region);
          }))
        die("upload");
      Frame meta;
      meta.width = w;
      meta.height = h;
      meta.format = PixelFormat::BGRx;
      for (PixelFormat f : {PixelFormat::BGRx, PixelFormat::NV12}) {
        const ImportTarget t{w, h, f, zc::FrameMemory::Cuda, false, zc::kBt601Limited};
        auto import = [&] { return imp->import_buffer(src.buffer(), 0, w * 4, meta, t); };
        Row r = measure(std::string(label) + " -> " + std::string(to_string(f)), w, h, *imp, import, 0, frames, *ctx);
        r.d2d = d2d;
        rows.push_back(r);
        if (f == PixelFormat::NV12 && sync == VkSync::Semaphores)
          paced_rows.push_back(paced(label, w, h, *imp, import, 0, paced_frames, 60));
      }
    }
  }
  print(rows);
  print(paced_rows);

  std::vector<DownloadRow> downloads;
  auto cuda_memory = cuda::make_cuda_memory(ctx);
  cuda::FramePool device(cuda_memory, 2);
  for (auto [w, h] : {std::pair{1920u, 1080u}, std::pair{3840u, 2160u}}) {
    const cuda::FrameLayout layout = need(cuda::frame_layout(w, h, PixelFormat::NV12), "layout");
    DeviceFrame src =
        cuda::FramePool::to_device_frame(need(device.acquire(layout), "CUDA frame"), zc::FrameMemory::Cuda);
    {
      cuda::CudaContext::Scope scope(*ctx);
      for (uint32_t p = 0; p < 2; ++p)
        ctx->api().cuMemsetD8Async(src.planes[p], 0x40, size_t{src.pitches[p]} * (p ? h / 2 : h), ctx->stream());
      ctx->api().cuEventRecord(static_cast<CUevent>(src.ready_event), ctx->stream());
    }
    downloads.push_back(measure_download("pageable (aligned_alloc)", w, h, make_host_memory(), src, frames, *ctx));
    downloads.push_back(
        measure_download("page-locked (cuMemHostAlloc)", w, h, make_host_memory(ctx), src, frames, *ctx));
  }
  print(downloads);

  // The targets, at 4K.
  std::printf("\ntargets at 3840x2160 (issue 3):\n");
  for (const Row& r : rows) {
    if (r.w != 3840) continue;
    std::printf(
        "  %-34s cuda/d2d %.2f (<= 3: %s)  cpu %.3f ms (<= 0.1: %s)  wall %.3f ms (naive 1.0: %.2fx)  %0.f fps\n",
        r.name.c_str(), r.cuda / r.d2d, r.cuda / r.d2d <= 3 ? "yes" : "NO", r.cpu, r.cpu <= 0.1 ? "yes" : "NO", r.wall,
        r.wall / 1.0, r.fps);
  }
  for (const PacedRow& r : paced_rows) {
    if (r.w != 3840) continue;
    std::printf("  paced %-34s cpu %.3f ms (<= 0.1: %s)\n", r.name.c_str(), r.cpu, r.cpu <= 0.1 ? "yes" : "NO");
  }
  return 0;
}
