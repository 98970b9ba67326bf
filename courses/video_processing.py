"""Video helpers built on PyAV and Pillow: probing, posters, low-bitrate renditions, demo clips.

Everything here is a pure function of files on disk: no Django imports, no ORM. Callers (services,
Celery tasks, the demo seeder) decide where files live and what to store about them.
"""

from __future__ import annotations

import colorsys
import contextlib
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.audio.stream import AudioStream
from av.codec.codec import UnknownCodecError
from av.container import InputContainer, OutputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "VideoError",
    "VideoInfo",
    "encoder_available",
    "generate_demo_video",
    "make_poster",
    "probe",
    "probe_audio",
    "transcode_low",
]

# Demuxers/codecs that FFmpeg happily opens as a "video stream" but which are not videos: still
# images (a PNG renamed .mp4 opens as ``png_pipe``) and text files (``tty`` demuxer, ``ansi`` codec).
_NOT_VIDEO_FORMATS = frozenset({"image2", "tty", "ansi"})
_NOT_VIDEO_CODECS = frozenset({"ansi"})

_X264_PRESET = "veryfast"
# Sample rates the AAC encoder accepts (higher ones are pointless for a low-bitrate rendition).
_AAC_RATES = frozenset({8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000})

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class VideoError(Exception):
    """The file is not a readable video, or a video operation cannot be carried out."""


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` learns about a video file.

    ``width``/``height`` are the display dimensions (swapped when the stream carries a ±90°
    rotation, as phone recordings often do).
    """

    duration: float  # seconds
    width: int
    height: int
    size_bytes: int
    video_codec: str
    has_audio: bool


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _open_input(path: Path) -> InputContainer:
    """Open ``path`` for reading, turning every FFmpeg/OS failure into :class:`VideoError`."""
    if not path.is_file():
        raise VideoError(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise VideoError(f"{path.name}: file is empty")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise VideoError(f"{path.name}: not a readable video file ({exc.__class__.__name__})") from exc


def _video_stream(container: InputContainer, path: Path) -> VideoStream:
    """Return the first real video stream, rejecting still images and text files."""
    format_names = set(container.format.name.split(","))
    if format_names & _NOT_VIDEO_FORMATS or any(name.endswith("_pipe") for name in format_names):
        raise VideoError(f"{path.name}: not a video (detected {container.format.name!r})")
    streams = [s for s in container.streams.video if s.codec_context.name not in _NOT_VIDEO_CODECS]
    if not streams:
        raise VideoError(f"{path.name}: file has no video stream")
    return streams[0]


def _first_frame(container: InputContainer, stream: VideoStream, path: Path) -> VideoFrame:
    """Decode the first frame of ``stream`` (proves the stream is actually decodable)."""
    try:
        for frame in container.decode(stream):
            return frame
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{path.name}: video stream is corrupt ({exc})") from exc
    raise VideoError(f"{path.name}: video stream contains no decodable frames")


def _stream_start(stream: VideoStream | AudioStream) -> float:
    """The stream's start time in seconds (0 when unknown)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _frame_rate(stream: VideoStream, default: float = 25.0) -> Fraction:
    """Best guess at the stream's frame rate."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < rate <= 240:
            return Fraction(rate)
    return Fraction(default)


def _decoded_duration(path: Path) -> float:
    """Duration by decoding every frame: the last frame's time plus one frame interval."""
    container = _open_input(path)
    try:
        stream = _video_stream(container, path)
        start = _stream_start(stream)
        interval = 1 / float(_frame_rate(stream))
        last: float | None = None
        count = 0
        for frame in container.decode(stream):
            count += 1
            if frame.time is not None:
                last = frame.time
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{path.name}: video stream is corrupt ({exc})") from exc
    finally:
        container.close()
    if last is None:  # no timestamps at all (raw elementary stream): count frames
        return count * interval
    return max(0.0, last - start + interval)


def _rotation(frame: VideoFrame) -> int:
    """Display rotation of a decoded frame, counter-clockwise degrees normalised to 0/90/180/270."""
    try:
        angle = frame.rotation
    except (AttributeError, ValueError):  # pragma: no cover - older PyAV / odd side data
        return 0
    if not angle or not math.isfinite(angle):
        return 0
    return int(round(angle / 90.0)) % 4 * 90


def _info(container: InputContainer, stream: VideoStream, path: Path) -> tuple[VideoInfo, int]:
    """Build :class:`VideoInfo` for an already-open container; also return the frame rotation."""
    first = _first_frame(container, stream, path)
    rotation = _rotation(first)

    duration: float | None = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    if not duration and container.duration:
        duration = container.duration / av.time_base
    if not duration:
        duration = _decoded_duration(path)

    width = stream.codec_context.width or first.width
    height = stream.codec_context.height or first.height
    if rotation in (90, 270):
        width, height = height, width
    info = VideoInfo(
        duration=round(max(duration, 0.0), 3),
        width=int(width),
        height=int(height),
        size_bytes=path.stat().st_size,
        video_codec=stream.codec_context.name,
        has_audio=bool(container.streams.audio),
    )
    return info, rotation


def probe(path: str | Path) -> VideoInfo:
    """Describe a video file; raise :class:`VideoError` if it is not a readable video.

    Duration comes from the video stream (duration × time_base), else the container duration,
    else by decoding to the last frame.
    """
    info, _rotation = _inspect(Path(path))
    return info


def probe_audio(path: str | Path) -> float:
    """Seconds of sound in an audio file; raise :class:`VideoError` unless an audio stream
    decodes (a text or HTML file renamed .mp3 is refused)."""
    path = Path(path)
    container = _open_input(path)
    try:
        format_names = set(container.format.name.split(","))
        if format_names & _NOT_VIDEO_FORMATS or not container.streams.audio:
            raise VideoError(f"{path.name}: file has no audio stream")
        stream = container.streams.audio[0]
        try:
            frame = next(iter(container.decode(stream)), None)
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoError(f"{path.name}: audio stream is corrupt ({exc})") from exc
        if frame is None:
            raise VideoError(f"{path.name}: audio stream contains no decodable frames")
        duration = container.duration / av.time_base if container.duration else 0.0
    finally:
        container.close()
    return round(max(duration, 0.0), 3)


def _inspect(path: Path) -> tuple[VideoInfo, int]:
    """:func:`probe`, plus the display rotation of the video stream."""
    container = _open_input(path)
    try:
        stream = _video_stream(container, path)
        info, rotation = _info(container, stream, path)
    finally:
        container.close()
    if info.duration <= 0:
        raise VideoError(f"{path.name}: video has no duration")
    return info, rotation


# --------------------------------------------------------------------------------------------
# Posters
# --------------------------------------------------------------------------------------------


def _upright(image: Image.Image, rotation: int) -> Image.Image:
    """Apply the stream's display rotation (PIL rotates counter-clockwise, like the matrix)."""
    return image.rotate(rotation, expand=True) if rotation else image


def _seek(container: InputContainer, stream: VideoStream, seconds: float) -> None:
    """Seek to the keyframe at or before ``seconds`` (absolute stream time)."""
    seconds = max(seconds, 0.0)
    if stream.time_base:
        container.seek(round(seconds / stream.time_base), stream=stream, backward=True)
    else:
        container.seek(round(seconds * av.time_base), backward=True)


def _decode_until(
    container: InputContainer, stream: VideoStream, seconds: float, path: Path
) -> VideoFrame | None:
    """Decode forward to the first frame at or after ``seconds`` (or the last frame there is)."""
    chosen: VideoFrame | None = None
    try:
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is None or frame.time >= seconds:
                break
    except (av.error.FFmpegError, OSError) as exc:
        if chosen is None:
            raise VideoError(f"{path.name}: could not decode a poster frame ({exc})") from exc
    return chosen


def make_poster(path: str | Path, *, at_seconds: float = 1.0, max_width: int = 640) -> bytes:
    """JPEG bytes of the frame at (or just after) ``at_seconds``, at most ``max_width`` wide.

    ``at_seconds`` is clamped to the video: past the end gives the last frame.
    """
    if max_width < 1:
        raise ValueError("max_width must be positive")
    path = Path(path)
    info, rotation = _inspect(path)
    container = _open_input(path)
    try:
        stream = _video_stream(container, path)
        interval = 1 / float(_frame_rate(stream))
        wanted = at_seconds if math.isfinite(at_seconds) else 0.0
        wanted = min(max(wanted, 0.0), max(info.duration - interval, 0.0))
        target = _stream_start(stream) + wanted
        tolerance = interval / 2

        # Seek to (a little before) the target and decode forward. Some demuxers (MPEG-TS, ...)
        # seek imprecisely and land after it, so back off further, finally decode from the start.
        chosen: VideoFrame | None = None
        back_offs = (0.0, 2.0, 10.0) if wanted > interval else ()
        for back_off in back_offs:
            try:
                _seek(container, stream, target - back_off)
            except (av.error.FFmpegError, OSError):
                break  # unseekable, e.g. a raw elementary stream
            frame = _decode_until(container, stream, target - tolerance, path)
            if frame is not None and (frame.time is None or frame.time <= target + tolerance):
                chosen = frame
                break
        if chosen is None:
            if back_offs:
                container.close()
                container = _open_input(path)
                stream = _video_stream(container, path)
            chosen = _decode_until(container, stream, target - tolerance, path)
        if chosen is None:
            raise VideoError(f"{path.name}: could not decode a poster frame")
        image = _upright(chosen.to_image(), rotation)
    finally:
        container.close()

    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def encoder_available(name: str = "libx264") -> bool:
    """True if this FFmpeg build can *encode* with codec ``name``."""
    try:
        av.codec.Codec(name, "w")
    except (UnknownCodecError, ValueError):
        return False
    return True


def _require_encoders(*names: str) -> None:
    """Raise :class:`VideoError` naming any encoder this FFmpeg build lacks."""
    missing = [name for name in names if not encoder_available(name)]
    if missing:
        raise VideoError(f"FFmpeg encoder not available: {', '.join(missing)}")


def _even(value: float) -> int:
    """Round down to an even integer, never below 2 (H.264 4:2:0 needs even dimensions)."""
    return max(2, int(value) // 2 * 2)


def _scaled_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Even dimensions no taller than ``max_height`` (never upscaled), keeping the aspect ratio."""
    out_h = _even(min(height, max_height))
    out_w = _even(min(width, round(width * out_h / height / 2) * 2))
    return out_w, out_h


def _open_mp4(dst: Path) -> OutputContainer:
    """Open an MP4 for writing with the moov atom moved to the front (progressive playback)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    return av.open(str(dst), mode="w", format="mp4", container_options={"movflags": "+faststart"})


def _add_h264(
    output: OutputContainer, width: int, height: int, rate: Fraction, options: dict[str, str]
) -> VideoStream:
    """Add a yuv420p libx264 stream of the given size and frame rate."""
    stream = output.add_stream("libx264", rate=rate, options=options)
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    return stream


def _mux(output: OutputContainer, packets: Iterable[av.Packet]) -> None:
    for packet in packets:
        output.mux(packet)


def _discard(path: Path) -> None:
    """Remove a partly written output file."""
    path.unlink(missing_ok=True)


def transcode_low(
    src: str | Path,
    dst: str | Path,
    *,
    max_height: int = 360,
    video_bitrate: int = 300_000,
    audio_bitrate: int = 64_000,
    max_fps: int = 30,
) -> VideoInfo:
    """Write a low-bitrate H.264/AAC MP4 rendition of ``src`` to ``dst`` and return its probe.

    Scaled to at most ``max_height`` (never upscaled, even dimensions, ±90° phone rotation
    applied), frame rate capped at ``max_fps``, audio re-encoded to AAC (mono below 96 kb/s) if
    present, moov atom at the front. ``video_bitrate`` is a ceiling (capped CRF), not a target:
    easy content such as slides comes out smaller. Raises :class:`VideoError` if ``src`` is not
    a readable video or the libx264/aac encoders are missing.
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("transcode_low: src and dst must be different files")
    _require_encoders("libx264", "aac")
    if max_height < 2 or video_bitrate <= 0 or audio_bitrate <= 0 or max_fps <= 0:
        raise ValueError("transcode_low: sizes, bitrates and max_fps must be positive")

    _src_info, rotation = _inspect(src)
    source = _open_input(src)
    try:
        in_v = _video_stream(source, src)
        in_a = source.streams.audio[0] if source.streams.audio else None

        src_w, src_h = in_v.codec_context.width, in_v.codec_context.height
        sar = in_v.codec_context.sample_aspect_ratio
        if sar and sar > 0 and sar != 1:  # anamorphic source: scale to square pixels
            src_w = round(src_w * sar)
        if rotation in (90, 270):
            src_w, src_h = src_h, src_w
        out_w, out_h = _scaled_size(src_w, src_h, max_height)
        # Size to hand the scaler before rotating (rotation happens after scaling, on small frames).
        scale_w, scale_h = (out_h, out_w) if rotation in (90, 270) else (out_w, out_h)

        rate = min(_frame_rate(in_v), Fraction(max_fps))
        min_gap = 1 / float(rate) * 0.9  # drop frames arriving faster than the capped rate
        output = _open_mp4(dst)
        try:
            gop = max(1, round(float(rate) * 2))
            out_v = _add_h264(
                output,
                out_w,
                out_h,
                rate,
                {
                    # Capped CRF: simple content (slides, talking heads) stays well under the cap,
                    # busy footage is held to ``video_bitrate`` by the VBV.
                    "preset": _X264_PRESET,
                    "profile": "main",
                    "crf": "28",
                    "maxrate": str(video_bitrate),
                    "bufsize": str(video_bitrate * 2),
                    "g": str(gop),
                },
            )
            out_tb = in_v.time_base or Fraction(1, 90_000)
            out_v.codec_context.time_base = out_tb

            t0 = min(_stream_start(s) for s in ([in_v, in_a] if in_a else [in_v]))

            out_a = None
            if in_a is not None:
                in_rate = in_a.codec_context.sample_rate
                channels = in_a.codec_context.layout.nb_channels or 1
                out_rate = in_rate if in_rate in _AAC_RATES else 48_000 if in_rate > 48_000 else 44_100
                out_a = output.add_stream("aac", rate=out_rate)
                out_a.layout = "stereo" if channels >= 2 and audio_bitrate >= 96_000 else "mono"
                out_a.bit_rate = audio_bitrate

            streams = [in_v, in_a] if in_a is not None else [in_v]
            src_interval = 1 / float(_frame_rate(in_v))
            decoded = 0
            last_time: float | None = None
            for packet in source.demux(*streams):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue  # a damaged packet: skip it rather than fail the whole rendition
                for frame in frames:
                    if packet.stream is in_v:
                        # Untimed frames (raw elementary streams) are placed at the nominal rate.
                        t = frame.time - t0 if frame.time is not None else decoded * src_interval
                        decoded += 1
                        if last_time is not None and t - last_time < min_gap:
                            continue
                        last_time = t
                        _mux(output, out_v.encode(_video_out(frame, scale_w, scale_h, rotation, t, out_tb)))
                    elif out_a is not None:
                        if frame.pts is not None and frame.time is not None:
                            frame.pts = round((frame.time - t0) / frame.time_base)
                            if frame.pts < 0:
                                continue
                        _mux(output, out_a.encode(frame))
            if last_time is None:
                raise VideoError(f"{src.name}: no decodable video frames")
            _mux(output, out_v.encode(None))
            if out_a is not None:
                _mux(output, out_a.encode(None))
        except BaseException:
            with contextlib.suppress(Exception):
                output.close()
            _discard(dst)
            raise
        output.close()
    except (av.error.FFmpegError, OSError) as exc:
        _discard(dst)
        raise VideoError(f"{src.name}: transcoding failed ({exc})") from exc
    finally:
        source.close()
    return probe(dst)


def _video_out(
    frame: VideoFrame, width: int, height: int, rotation: int, t: float, time_base: Fraction
) -> VideoFrame:
    """Scale (and if needed rotate) a decoded frame to the output size, re-timed from 0."""
    if rotation:
        image = _upright(frame.to_image(width=width, height=height), rotation)
        out = VideoFrame.from_image(image).reformat(format="yuv420p")
    else:
        out = frame.reformat(width=width, height=height, format="yuv420p", interpolation="AREA")
    out.pts = round(t / time_base)
    out.time_base = time_base
    return out


# --------------------------------------------------------------------------------------------
# Demo videos
# --------------------------------------------------------------------------------------------

_AUDIO_RATE = 22_050
_BEEP_HZ = 880.0
_BEEP_SECONDS = 0.08


def _beep_second() -> bytes:
    """One second of mono s16 audio: a short faded sine beep, then silence."""
    beep = int(_AUDIO_RATE * _BEEP_SECONDS)
    fade = beep // 8
    samples = bytearray(_AUDIO_RATE * 2)
    for i in range(beep):
        envelope = min(1.0, i / fade, (beep - i) / fade)
        value = int(0.25 * 32767 * envelope * math.sin(2 * math.pi * _BEEP_HZ * i / _AUDIO_RATE))
        samples[2 * i : 2 * i + 2] = value.to_bytes(2, "little", signed=True)
    return bytes(samples)


def _audio_frames(seconds: int, chunk: int = 1024) -> Iterator[av.AudioFrame]:
    """``seconds`` of beep-per-second audio as s16 mono frames timed in samples."""
    track = _beep_second() * seconds
    total = seconds * _AUDIO_RATE
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        data = track[start * 2 : (start + count) * 2]
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(data)
        frame.sample_rate = _AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, _AUDIO_RATE)
        yield frame


def _font(size: int) -> _Font:
    """Pillow's bundled default font (scalable when FreeType is available)."""
    return ImageFont.load_default(size=size)


def _ascii(text: str) -> str:
    """Replace anything but printable ASCII (the default font has no CJK glyphs) with ``?``."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: _Font, max_width: int) -> str:
    """Trim ``text`` with an ellipsis until it fits in ``max_width`` pixels."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "...", font=font) > max_width:
        text = text[:-1]
    return text + "..."


def generate_demo_video(
    dst: str | Path,
    *,
    seconds: int = 20,
    width: int = 480,
    height: int = 270,
    fps: int = 12,
    hue: int = 0,
    label: str = "",
) -> VideoInfo:
    """Write a small, deterministic H.264/AAC MP4 of generated frames and return its probe.

    Each frame shows a background coloured by ``hue`` (degrees), ``label`` (ASCII), a big
    mm:ss timestamp, the frame counter and a progress bar; the audio beeps once a second.
    """
    if seconds < 1 or fps < 1 or width < 16 or height < 16:
        raise ValueError("generate_demo_video: seconds, fps >= 1 and width, height >= 16 required")
    _require_encoders("libx264", "aac")
    dst = Path(dst)
    width, height = _even(width), _even(height)
    total = seconds * fps

    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360, 0.55, 0.45)
    background = (round(r * 255), round(g * 255), round(b * 255))
    r, g, b = colorsys.hsv_to_rgb(((hue + 180) % 360) / 360, 0.65, 0.95)
    accent = (round(r * 255), round(g * 255), round(b * 255))
    big, small = _font(max(12, height // 4)), _font(max(10, height // 14))

    # Static parts (background, label, bar outline) drawn once, copied for each frame.
    base = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(base)
    margin = max(4, width // 30)
    bar_h = max(4, height // 18)
    bar_top = height - margin - bar_h
    if label:
        text = _fit(draw, _ascii(label), small, width - 2 * margin)
        draw.text((margin, margin), text, font=small, fill=(255, 255, 255))
    draw.rectangle((margin, bar_top, width - margin, bar_top + bar_h), outline=(255, 255, 255))

    output = _open_mp4(dst)
    try:
        video = _add_h264(
            output,
            width,
            height,
            Fraction(fps),
            {"preset": _X264_PRESET, "crf": "30", "g": str(fps * 2), "tune": "animation"},
        )
        video.codec_context.time_base = Fraction(1, fps)
        audio = output.add_stream("aac", rate=_AUDIO_RATE)
        audio.layout = "mono"
        audio.bit_rate = 32_000
        audio_frames = _audio_frames(seconds)
        next_audio = next(audio_frames, None)

        for index in range(total):
            image = base.copy()
            draw = ImageDraw.Draw(image)
            progress = (index + 1) / total
            draw.rectangle(
                (
                    margin + 2,
                    bar_top + 2,
                    margin + 2 + round((width - 2 * margin - 4) * progress),
                    bar_top + bar_h - 2,
                ),
                fill=accent,
            )
            elapsed = index // fps
            clock = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
            left, top, right, bottom = draw.textbbox((0, 0), clock, font=big)
            xy = ((width - (right - left)) // 2 - left, (height - (bottom - top)) // 2 - top)
            draw.text(xy, clock, font=big, fill=(255, 255, 255))
            counter = f"frame {index + 1}/{total}"
            left, top, right, bottom = draw.textbbox((0, 0), counter, font=small)
            xy = (width - margin - right, bar_top - margin // 2 - bottom)
            draw.text(xy, counter, font=small, fill=(230, 230, 230))
            frame = VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            frame.duration = 1
            _mux(output, video.encode(frame))
            # Keep audio roughly interleaved with video.
            while next_audio is not None and next_audio.pts < (index + 1) * _AUDIO_RATE / fps:
                _mux(output, audio.encode(next_audio))
                next_audio = next(audio_frames, None)

        while next_audio is not None:
            _mux(output, audio.encode(next_audio))
            next_audio = next(audio_frames, None)
        _mux(output, video.encode(None))
        _mux(output, audio.encode(None))
    except BaseException:
        with contextlib.suppress(Exception):
            output.close()
        _discard(dst)
        raise
    output.close()
    return probe(dst)
