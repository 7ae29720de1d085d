package io.labelcurve.activities.video;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.frames.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Frames of a video file (MP4, AVI, MOV, anything FFmpeg demuxes) decoded in process by FFmpeg's
 * libraries (bytedeco's LGPL build), converted to 8-bit RGB by libswscale. No {@code ffmpeg} binary
 * is spawned.
 */
public final class VideoFile {
  static {
    av_log_set_level(AV_LOG_QUIET); // every failure is reported by this class, naming the file
  }

  /** What a video holds: its first video stream's size, frame count and rate. */
  public record Info(
      int width, int height, int frames, OptionalDouble framesPerSecond, String codec) {}

  /** Receives decoded frames. */
  public interface FrameSink {
    void accept(int index, Frame frame);
  }

  private VideoFile() {}

  /**
   * Opens a video and counts its frames by demuxing (no decoding): the container's own count is
   * often absent (AVI, some MP4) or approximate.
   */
  public static Info probe(Path file) {
    int[] count = {0};
    Info info = run(file, null, (i, f) -> {}, count);
    if (count[0] == 0) {
      throw new BadInputException(file + ": zero frames: the video stream has no packet");
    }
    return new Info(info.width(), info.height(), count[0], info.framesPerSecond(), info.codec());
  }

  /**
   * Decodes the frames whose indices (in presentation order, from 0) are in {@code wanted}.
   *
   * @param wanted ascending indices
   * @return the number of frames decoded
   */
  public static int decode(Path file, int[] wanted, FrameSink sink) {
    int[] decoded = {0};
    run(file, wanted, sink, decoded);
    return decoded[0];
  }

  /** Demuxes (wanted == null: counts video packets) or decodes the first video stream of a file. */
  private static Info run(Path file, int[] wanted, FrameSink sink, int[] count) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": no such file");
    }
    AVFormatContext format = new AVFormatContext(null);
    int r = avformat_open_input(format, file.toString(), null, null);
    if (r < 0) {
      throw new BadInputException(file + ": unreadable video (FFmpeg: " + error(r) + ")");
    }
    AVCodecContext codec = null;
    AVPacket packet = null;
    AVFrame frame = null;
    try {
      check(file, avformat_find_stream_info(format, (PointerPointer<?>) null), "unreadable video");
      int stream =
          av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (PointerPointer<?>) null, 0);
      if (stream < 0) {
        throw new BadInputException(file + ": unreadable video: it has no video stream");
      }
      AVStream st = format.streams(stream);
      AVCodecParameters par = st.codecpar();
      String codecName = avcodec_get_name(par.codec_id()).getString();
      Info info = new Info(par.width(), par.height(), 0, rate(st), codecName);
      packet = av_packet_alloc();
      if (wanted == null) {
        while (av_read_frame(format, packet) >= 0) {
          if (packet.stream_index() == stream) {
            count[0]++;
          }
          av_packet_unref(packet);
        }
        return info;
      }
      AVCodec decoder = avcodec_find_decoder(par.codec_id());
      if (decoder == null) {
        throw new BadInputException(
            file
                + ": unreadable video: no decoder for codec "
                + codecName
                + " in this FFmpeg build; re-encode it, e.g. ffmpeg -i IN -c:v libx264 OUT.mp4");
      }
      codec = avcodec_alloc_context3(decoder);
      check(file, avcodec_parameters_to_context(codec, par), "unreadable video stream parameters");
      check(
          file,
          avcodec_open2(codec, decoder, (AVDictionary) null),
          "cannot open the " + codecName + " decoder");
      frame = av_frame_alloc();
      Decoder d = new Decoder(file, codec, frame, wanted, sink, count);
      while (av_read_frame(format, packet) >= 0 && !d.done()) {
        if (packet.stream_index() == stream) {
          d.send(packet);
        }
        av_packet_unref(packet);
      }
      if (!d.done()) {
        d.send(null); // flush the frames the decoder still holds
      }
      return info;
    } finally {
      if (packet != null) {
        av_packet_free(packet);
      }
      if (frame != null) {
        av_frame_free(frame);
      }
      if (codec != null) {
        avcodec_free_context(codec);
      }
      avformat_close_input(format);
    }
  }

  /** Sends packets, receives frames, converts the wanted ones to RGB. */
  private static final class Decoder {
    private final Path file;
    private final AVCodecContext codec;
    private final AVFrame frame;
    private final int[] wanted;
    private final FrameSink sink;
    private final int[] count;
    private int next; // index into wanted

    Decoder(
        Path file, AVCodecContext codec, AVFrame frame, int[] wanted, FrameSink sink, int[] count) {
      this.file = file;
      this.codec = codec;
      this.frame = frame;
      this.wanted = wanted;
      this.sink = sink;
      this.count = count;
    }

    boolean done() {
      return next >= wanted.length;
    }

    void send(AVPacket packet) {
      int r = avcodec_send_packet(codec, packet);
      if (r < 0 && r != AVERROR_EOF()) {
        throw new BadInputException(
            file + ", frame " + count[0] + ": corrupt video data (FFmpeg: " + error(r) + ")");
      }
      while (!done()) {
        r = avcodec_receive_frame(codec, frame);
        if (r < 0) {
          return; // EAGAIN: needs more input; EOF: drained
        }
        int index = count[0]++;
        if (index == wanted[next]) {
          sink.accept(index, toRgb(frame));
          next++;
        }
      }
    }

    private Frame toRgb(AVFrame in) {
      int w = in.width();
      int h = in.height();
      // Bilinear with accurate rounding and full chroma interpolation: the settings of the test's
      // reference.
      SwsContext sws =
          sws_getContext(
              w,
              h,
              in.format(),
              w,
              h,
              AV_PIX_FMT_RGB24,
              SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
              null,
              null,
              (DoublePointer) null);
      if (sws == null) {
        throw new BadInputException(
            file + ": cannot convert pixel format " + in.format() + " to RGB");
      }
      AVFrame rgb = av_frame_alloc();
      try {
        rgb.format(AV_PIX_FMT_RGB24);
        rgb.width(w);
        rgb.height(h);
        check(file, av_frame_get_buffer(rgb, 0), "out of memory for a frame");
        sws_scale(sws, in.data(), in.linesize(), 0, h, rgb.data(), rgb.linesize());
        byte[] pixels = new byte[w * h * 3];
        BytePointer data = rgb.data(0);
        int stride = rgb.linesize(0);
        for (int y = 0; y < h; y++) {
          data.position((long) y * stride).get(pixels, y * w * 3, w * 3);
        }
        return new Frame(w, h, 3, pixels);
      } finally {
        av_frame_free(rgb);
        sws_freeContext(sws);
      }
    }
  }

  private static OptionalDouble rate(AVStream st) {
    for (AVRational q : new AVRational[] {st.avg_frame_rate(), st.r_frame_rate()}) {
      if (q != null && q.num() > 0 && q.den() > 0) {
        return OptionalDouble.of((double) q.num() / q.den());
      }
    }
    return OptionalDouble.empty();
  }

  private static void check(Path file, int result, String what) {
    if (result < 0) {
      throw new BadInputException(file + ": " + what + " (FFmpeg: " + error(result) + ")");
    }
  }

  private static String error(int code) {
    byte[] buf = new byte[256];
    av_strerror(code, buf, buf.length);
    int end = 0;
    while (end < buf.length && buf[end] != 0) {
      end++;
    }
    return new String(buf, 0, end, java.nio.charset.StandardCharsets.UTF_8);
  }
}
