"""Tests for courses.video_processing (PyAV + Pillow, no database)."""

import io
import struct
from fractions import Fraction

import av
import pytest
from av.video.frame import VideoFrame
from PIL import Image

from courses.video_processing import (
    VideoError,
    VideoInfo,
    encoder_available,
    generate_demo_video,
    make_poster,
    probe,
    transcode_low,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One 20 s demo clip shared by the read-only tests in this module."""
    path = tmp_path_factory.mktemp("video") / "demo.mp4"
    info = generate_demo_video(path, seconds=20, width=480, height=270, fps=12, hue=210, label="Fire safety")
    return path, info


def _jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image


def _write_plain_video(path, *, width, height, frames=24, fps=12):
    """A video-only MP4 made directly with PyAV (yuv444p allows odd dimensions)."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for i in range(frames):
            frame = VideoFrame.from_image(Image.new("RGB", (width, height), (i * 9 % 256, 90, 160)))
            frame = frame.reformat(format="yuv444p")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _rotate_first_track(path):
    """Patch the first track's tkhd matrix to a 90° display rotation, as phones write it."""
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    assert at > 0 and data[at + 4] == 0  # version 0 header
    matrix = at + 4 + 4 + 5 * 4 + 8 + 8  # version/flags, times/track/reserved/duration, reserved, layer..
    data[matrix : matrix + 36] = struct.pack(">9i", 0, 1 << 16, 0, -(1 << 16), 0, 0, 0, 0, 1 << 30)
    path.write_bytes(bytes(data))


def _remux(src, dst, fmt):
    """Copy the packets of ``src`` into another container format (no re-encoding)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)


def _progress_shown(poster: bytes) -> float:
    """Fraction of the demo clip's progress bar that is filled in a poster image."""
    image = _jpeg(poster).convert("RGB")
    width, height = image.size
    margin, bar_h = max(4, width // 30), max(4, height // 18)
    y = height - margin - bar_h // 2
    background = image.getpixel((2, height // 2))
    xs = range(margin + 2, width - margin - 2)

    def is_filled(x):
        return sum((a - b) ** 2 for a, b in zip(image.getpixel((x, y)), background, strict=True)) > 60**2

    return sum(is_filled(x) for x in xs) / len(xs)


def test_generate_demo_video_and_probe(demo):
    path, info = demo
    assert isinstance(info, VideoInfo)
    assert info == probe(path)
    assert abs(info.duration - 20) <= 0.2
    assert (info.width, info.height) == (480, 270)
    assert info.video_codec == "h264"
    assert info.has_audio
    assert info.size_bytes == path.stat().st_size
    assert info.size_bytes < 500_000


def test_demo_video_is_deterministic_in_shape_and_starts_with_moov(tmp_path):
    a = generate_demo_video(tmp_path / "a.mp4", seconds=3, hue=120, label="Same")
    b = generate_demo_video(tmp_path / "b.mp4", seconds=3, hue=120, label="Same")
    assert (a.duration, a.width, a.height) == (b.duration, b.width, b.height)
    assert abs(a.duration - 3) <= 0.2
    head = (tmp_path / "a.mp4").read_bytes()[:64]
    assert head.index(b"moov") < 64  # faststart: playable before fully downloaded


def test_demo_video_non_ascii_label_and_odd_size(tmp_path):
    info = generate_demo_video(tmp_path / "odd.mp4", seconds=2, width=321, height=181, label="消防 safety")
    assert (info.width, info.height) == (320, 180)


def test_poster_is_jpeg_no_wider_than_max_width(demo):
    path, _ = demo
    image = _jpeg(make_poster(path, at_seconds=5, max_width=200))
    assert image.width <= 200
    assert image.width / image.height == pytest.approx(480 / 270, rel=0.02)


def test_poster_never_upscales(demo):
    path, _ = demo
    assert _jpeg(make_poster(path, max_width=4000)).size == (480, 270)


@pytest.mark.parametrize("at_seconds", [0.0, 19.99, 20.0, 500.0, -3.0, float("nan")])
def test_poster_at_any_time_works(demo, at_seconds):
    path, _ = demo
    assert _jpeg(make_poster(path, at_seconds=at_seconds)).width == 480


def test_poster_shows_the_requested_frame(demo):
    path, _ = demo
    assert _progress_shown(make_poster(path, at_seconds=7.5)) == pytest.approx(91 / 240, abs=0.01)
    assert _progress_shown(make_poster(path, at_seconds=0)) == pytest.approx(1 / 240, abs=0.01)
    assert _progress_shown(make_poster(path, at_seconds=99)) == pytest.approx(1.0, abs=0.01)


def test_poster_and_transcode_from_mpeg_ts(demo, tmp_path):
    """MPEG-TS: non-zero start times and imprecise seeking."""
    src = tmp_path / "demo.ts"
    _remux(demo[0], src, "mpegts")
    assert abs(probe(src).duration - 20) <= 0.2
    assert _progress_shown(make_poster(src, at_seconds=7.5)) == pytest.approx(91 / 240, abs=0.01)
    assert _progress_shown(make_poster(src, at_seconds=19.9)) == pytest.approx(1.0, abs=0.01)
    out = transcode_low(src, tmp_path / "low.mp4")
    assert abs(out.duration - 20) <= 0.3
    assert out.has_audio


def test_poster_frames_differ_over_time(demo):
    path, _ = demo
    assert make_poster(path, at_seconds=1) != make_poster(path, at_seconds=15)


def test_transcode_low_smaller_even_rendition(demo, tmp_path):
    path, source = demo
    out = transcode_low(path, tmp_path / "low.mp4", max_height=180)
    assert out == probe(tmp_path / "low.mp4")
    assert out.height <= source.height
    assert out.height <= 180
    assert out.width % 2 == 0 and out.height % 2 == 0
    assert abs(out.duration - source.duration) <= 0.3
    assert out.video_codec == "h264"
    assert out.has_audio
    assert (tmp_path / "low.mp4").read_bytes()[:64].find(b"moov") > 0


def test_transcode_low_never_upscales_and_evens_odd_sizes(tmp_path):
    src = tmp_path / "odd.mp4"
    _write_plain_video(src, width=321, height=241)
    assert (probe(src).width, probe(src).height) == (321, 241)
    out = transcode_low(src, tmp_path / "low.mp4", max_height=720)
    assert (out.width, out.height) == (320, 240)
    assert not out.has_audio
    assert abs(out.duration - 2.0) <= 0.3


def test_transcode_low_caps_frame_rate(tmp_path):
    src = tmp_path / "fast.mp4"
    generate_demo_video(src, seconds=2, width=160, height=90, fps=30)
    out = transcode_low(src, tmp_path / "low.mp4", max_fps=15)
    with av.open(str(tmp_path / "low.mp4")) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert 29 <= frames <= 31
    assert abs(out.duration - 2) <= 0.3


def test_rotated_phone_video(demo, tmp_path):
    src = tmp_path / "rotated.mp4"
    src.write_bytes(demo[0].read_bytes())
    _rotate_first_track(src)
    assert (probe(src).width, probe(src).height) == (270, 480)
    poster = _jpeg(make_poster(src))
    assert poster.height > poster.width
    out = transcode_low(src, tmp_path / "low.mp4", max_height=360)
    assert (out.width, out.height) == (202, 360)


def test_transcode_rejects_bad_source(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    with pytest.raises(VideoError):
        transcode_low(bad, tmp_path / "low.mp4")
    assert not (tmp_path / "low.mp4").exists()


def test_probe_rejects_text_file(tmp_path):
    for name in ("notes.txt", "notes.mp4"):
        path = tmp_path / name
        path.write_text("Lesson notes\nThis is not a video.\n" * 20)
        with pytest.raises(VideoError):
            probe(path)


def test_probe_rejects_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(path)


def test_probe_rejects_png_renamed_mp4(tmp_path):
    path = tmp_path / "photo.mp4"
    Image.new("RGB", (64, 48), "red").save(path, format="PNG")
    with pytest.raises(VideoError):
        probe(path)


def test_probe_rejects_missing_and_corrupt_files(demo, tmp_path):
    with pytest.raises(VideoError, match="not found"):
        probe(tmp_path / "missing.mp4")
    data = demo[0].read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[:2048])  # cut inside the moov atom
    with pytest.raises(VideoError):
        probe(truncated)
    zeroed = tmp_path / "zeroed.mp4"
    frames_at = data.index(b"mdat") + 4
    zeroed.write_bytes(data[:frames_at] + bytes(len(data) - frames_at))  # header fine, frames wiped
    with pytest.raises(VideoError):
        probe(zeroed)


def test_encoder_available():
    assert encoder_available("libx264") is True
    assert encoder_available() is True
    assert encoder_available("aac") is True
    assert encoder_available("no-such-codec") is False
