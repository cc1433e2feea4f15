// Audio and video with FFmpeg's libraries: container duration, the first video frame as the poster, and for
// audio a waveform of peak levels. Bounded: at most kMaxPackets packets are read, whatever the file says.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <memory>

#include "server/media/processor.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxPackets = 200000;
constexpr int kWaveformPoints = 64;

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameCloser {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketCloser {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

Error corrupt(const std::string& mime, const std::string& what) {
  return Error{v1::INVALID_ARGUMENT, "the " + mime + " file cannot be read (corrupt or truncated): " + what};
}

std::unique_ptr<AVCodecContext, CodecCloser> open_decoder(AVStream* stream) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) return nullptr;
  std::unique_ptr<AVCodecContext, CodecCloser> ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_parameters_to_context(ctx.get(), stream->codecpar) < 0) return nullptr;
  ctx->thread_count = 1;
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return nullptr;
  return ctx;
}

// One sample of a decoded audio frame as -1..1 (0 for formats we do not read).
float sample_at(const AVFrame* f, int channel, int i) {
  auto format = static_cast<AVSampleFormat>(f->format);
  bool planar = av_sample_fmt_is_planar(format);
  int channels = f->ch_layout.nb_channels;
  const uint8_t* d = planar ? f->extended_data[channel] : f->extended_data[0];
  int k = planar ? i : i * channels + channel;
  switch (av_get_packed_sample_fmt(format)) {
    case AV_SAMPLE_FMT_U8: return static_cast<float>(d[k] - 128) / 128.0f;
    case AV_SAMPLE_FMT_S16: return static_cast<float>(reinterpret_cast<const int16_t*>(d)[k]) / 32768.0f;
    case AV_SAMPLE_FMT_S32: return static_cast<float>(reinterpret_cast<const int32_t*>(d)[k] / 2147483648.0);
    case AV_SAMPLE_FMT_FLT: return reinterpret_cast<const float*>(d)[k];
    case AV_SAMPLE_FMT_DBL: return static_cast<float>(reinterpret_cast<const double*>(d)[k]);
    default: return 0;
  }
}

// Peaks (0..1) of a decoded audio frame in blocks of about 10 ms, appended to `peaks` (bounded).
void add_peaks(const AVFrame* f, std::vector<float>& peaks) {
  constexpr size_t kMaxPeaks = 1 << 20;
  int channels = std::min(f->ch_layout.nb_channels, AV_NUM_DATA_POINTERS);
  int block = std::max(1, f->sample_rate / 100);
  for (int start = 0; start < f->nb_samples && peaks.size() < kMaxPeaks; start += block) {
    float peak = 0;
    for (int i = start; i < std::min(f->nb_samples, start + block); ++i) {
      for (int c = 0; c < channels; ++c) {
        float v = sample_at(f, c, i);
        if (std::isfinite(v)) peak = std::max(peak, std::fabs(v));
      }
    }
    peaks.push_back(std::min(peak, 1.0f));
  }
}

std::string waveform_of(const std::vector<float>& peaks) {
  std::string out;
  if (peaks.empty()) return out;
  size_t points = std::min<size_t>(kWaveformPoints, peaks.size());
  for (size_t i = 0; i < points; ++i) {
    size_t lo = i * peaks.size() / points, hi = (i + 1) * peaks.size() / points;
    float m = 0;
    for (size_t k = lo; k < hi; ++k) m = std::max(m, peaks[k]);
    out.push_back(static_cast<char>(static_cast<uint8_t>(std::lround(m * 255))));
  }
  return out;
}

}  // namespace

Result<Processed> process_av(const fs::path& input, const std::string& mime, bool video, const ProcessOptions& options,
                             const fs::path& scratch) {
  av_log_set_level(AV_LOG_QUIET);
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, input.c_str(), nullptr, nullptr) < 0) return std::unexpected(corrupt(mime, "no known container"));
  std::unique_ptr<AVFormatContext, FormatCloser> fmt(raw);
  if (avformat_find_stream_info(fmt.get(), nullptr) < 0) return std::unexpected(corrupt(mime, "no stream information"));

  Processed p;
  p.file = input;
  if (fmt->duration > 0) p.info.set_duration_ms(static_cast<uint32_t>(std::min<int64_t>(fmt->duration / 1000, UINT32_MAX)));

  int vstream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  int astream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (video && vstream < 0) return std::unexpected(corrupt(mime, "no video stream"));
  if (!video && astream < 0) return std::unexpected(corrupt(mime, "no audio stream"));
  int wanted = video ? vstream : astream;
  AVStream* stream = fmt->streams[wanted];
  if (video) {
    uint64_t pixels = static_cast<uint64_t>(std::max(0, stream->codecpar->width)) *
                      static_cast<uint64_t>(std::max(0, stream->codecpar->height));
    if (pixels == 0) return std::unexpected(corrupt(mime, "no frame size"));
    if (pixels > options.max_pixels) return fail(v1::TOO_LARGE, "the video's frames have too many pixels");
    p.info.set_width(static_cast<uint32_t>(stream->codecpar->width));
    p.info.set_height(static_cast<uint32_t>(stream->codecpar->height));
  }
  auto dec = open_decoder(stream);
  if (!dec) return std::unexpected(corrupt(mime, "no decoder for its codec"));

  std::unique_ptr<AVPacket, PacketCloser> pkt(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameCloser> frame(av_frame_alloc());
  std::vector<float> peaks;
  bool poster_done = false;
  int decoded = 0;
  for (int n = 0; n < kMaxPackets && !poster_done; ++n) {
    int rc = av_read_frame(fmt.get(), pkt.get());
    bool eof = rc < 0;
    if (!eof && pkt->stream_index != wanted) {
      av_packet_unref(pkt.get());
      continue;
    }
    rc = avcodec_send_packet(dec.get(), eof ? nullptr : pkt.get());
    av_packet_unref(pkt.get());
    while (rc >= 0 || rc == AVERROR(EAGAIN)) {
      rc = avcodec_receive_frame(dec.get(), frame.get());
      if (rc < 0) break;
      ++decoded;
      if (video) {
        if (frame->width != stream->codecpar->width || frame->height != stream->codecpar->height) {
          return std::unexpected(corrupt(mime, "the frame size changed"));
        }
        SwsContext* sws = sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                         frame->width, frame->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr,
                                         nullptr, nullptr);
        if (!sws) return std::unexpected(corrupt(mime, "unsupported pixel format"));
        int stride = frame->width * 3;
        std::vector<unsigned char> rgb(static_cast<size_t>(stride) * static_cast<size_t>(frame->height));
        uint8_t* dst[4] = {rgb.data(), nullptr, nullptr, nullptr};
        int dst_stride[4] = {stride, 0, 0, 0};
        sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
        sws_freeContext(sws);
        auto thumbs = thumbnails_of_rgb(rgb.data(), frame->width, frame->height, stride, options, scratch);
        if (!thumbs) return std::unexpected(thumbs.error());
        p.thumbnails = std::move(*thumbs);
        poster_done = true;
        break;
      }
      add_peaks(frame.get(), peaks);
    }
    if (eof) break;
  }
  if (decoded == 0) return std::unexpected(corrupt(mime, "no frame could be decoded"));
  if (!video) p.info.set_waveform(waveform_of(peaks));
  return p;
}

}  // namespace parley::media
