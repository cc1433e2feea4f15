// Media end to end against a real parleyd: resumable and one-shot uploads over HTTP, processing of real
// images, video and audio generated here with Debian's vips and ffmpeg tools, access control, ranges,
// caching, dedupe, garbage collection and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "helpers.h"
#include "http_client.h"
#include "parley/v1/media.pb.h"
#include "protocol/codec.h"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A scratch directory with fixture files made by command-line tools (nothing downloaded).
class Fixtures {
 public:
  Fixtures() {
    dir_ = fs::temp_directory_path() / ("parley-media-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~Fixtures() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Runs `command` with {out} replaced by the output path; returns the file's bytes.
  std::string make(const std::string& name, const std::string& command) {
    std::string out = (dir_ / name).string();
    std::string cmd = command;
    cmd.replace(cmd.find("{out}"), 5, out);
    int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    EXPECT_EQ(rc, 0) << cmd;
    return read(out);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

// A JPEG with an EXIF segment inserted after SOI: Orientation 6 (rotate 90° clockwise to display) and an
// ImageDescription standing in for private metadata (GPS, camera serial numbers).
std::string with_exif(const std::string& jpeg, const std::string& secret) {
  std::string tiff = std::string("II*\0", 4) + std::string("\x08\0\0\0", 4);
  auto u16 = [](uint16_t v) { return std::string{char(v & 0xff), char(v >> 8)}; };
  auto u32 = [](uint32_t v) { return std::string{char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)}; };
  std::string text = secret + '\0';
  uint32_t data_offset = 8 + 2 + 2 * 12 + 4;
  tiff += u16(2);
  tiff += u16(0x010E) + u16(2) + u32(static_cast<uint32_t>(text.size())) + u32(data_offset);  // ImageDescription
  tiff += u16(0x0112) + u16(3) + u32(1) + u16(6) + u16(0);                                   // Orientation = 6
  tiff += u32(0);
  tiff += text;
  std::string app1 = std::string("Exif\0\0", 6) + tiff;
  uint16_t len = static_cast<uint16_t>(app1.size() + 2);
  std::string segment = std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xff) + app1;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

v1::BlobInfo parse_info(const std::string& json) {
  v1::BlobInfo info;
  EXPECT_TRUE(protocol::parse_json(json, info)) << json;
  return info;
}

class MediaTest : public ::testing::Test {
 protected:
  explicit MediaTest(std::vector<std::string> args = {}) : server_(std::move(args)) {}
  void SetUp() override {
    alice_ = admin_user_token(server_.port(), "alice", "phone");
    bob_ = admin_user_token(server_.port(), "bob", "phone");
    carol_ = admin_user_token(server_.port(), "carol", "phone");
  }
  uint16_t port() const { return server_.port(); }

  HttpResponse upload(const std::string& token, const std::string& bytes, const std::string& type = "") {
    Headers h{{"Authorization", "Bearer " + token}};
    if (!type.empty()) h.emplace_back("Content-Type", type);
    return http_call(port(), "POST", "/v1/media/blobs", h, bytes);
  }
  v1::BlobInfo must_upload(const std::string& token, const std::string& bytes, const std::string& type = "") {
    auto res = upload(token, bytes, type);
    EXPECT_EQ(res.status, 201) << res.body;
    return parse_info(res.body);
  }
  HttpResponse get(const std::string& target, const std::string& token, Headers extra = {}) {
    if (!token.empty()) extra.emplace_back("Authorization", "Bearer " + token);
    return http_call(port(), "GET", target, extra);
  }
  // Sends an IMAGE/FILE/... message referencing `blob_id` from alice to bob.
  v1::ServerFrame send_media(WsClient& c, const std::string& conv, v1::MessageKind kind, const std::string& blob_id,
                             const std::string& client_id, const std::string& file_name = "") {
    return c.call(frame([&](auto& f) {
      auto* s = f.mutable_send_message();
      s->set_conversation_id(conv);
      s->set_client_msg_id(client_id);
      s->mutable_message()->set_kind(kind);
      s->mutable_message()->mutable_media()->set_blob_id(blob_id);
      s->mutable_message()->mutable_media()->set_file_name(file_name);
    }));
  }

  ServerProcess server_;
  Fixtures fixtures_;
  std::string alice_, bob_, carol_;
  const std::string direct_ = "d:alice:bob";
};

TEST_F(MediaTest, ResumableUploadSurvivesAnInterruptionAndMakesThumbnails) {
  std::string png = fixtures_.make("noise.png", "vips gaussnoise {out} 800 600");
  ASSERT_GT(png.size(), 100000u);
  Headers tus{{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + alice_}};

  auto options = http_call(port(), "OPTIONS", "/v1/media/uploads", {});
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("tus-version"), "1.0.0");

  Headers create = tus;
  create.emplace_back("Upload-Length", std::to_string(png.size()));
  create.emplace_back("Upload-Metadata", "filename " + base64("../../etc/noise.png") + ",filetype " + base64("image/png"));
  auto created = http_call(port(), "POST", "/v1/media/uploads", create);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string location = created.header("location");
  ASSERT_TRUE(location.starts_with("/v1/media/uploads/")) << location;

  // The first chunk's connection drops after 100 000 of the 300 000 bytes it announced.
  Headers patch = tus;
  patch.emplace_back("Content-Type", "application/offset+octet-stream");
  Headers first = patch;
  first.emplace_back("Upload-Offset", "0");
  EXPECT_EQ(http_send_truncated(port(), "PATCH", location, first, png.substr(0, 100000), 300000), 0);

  // The server keeps what arrived: wait for HEAD to report it (the append ends when the server sees the close).
  uint64_t offset = 0;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto head = http_call(port(), "HEAD", location, tus);
    ASSERT_EQ(head.status, 200);
    EXPECT_EQ(head.header("upload-length"), std::to_string(png.size()));
    offset = std::stoull(head.header("upload-offset"));
    if (offset == 100000) break;
    std::this_thread::yield();
  }
  ASSERT_EQ(offset, 100000u);

  // A PATCH at the wrong offset is refused; another user cannot see the upload at all.
  Headers wrong = patch;
  wrong.emplace_back("Upload-Offset", "5");
  EXPECT_EQ(http_call(port(), "PATCH", location, wrong, "xxxxx").status, 409);
  EXPECT_EQ(http_call(port(), "HEAD", location, {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + bob_}}).status, 404);

  // Resume: the rest in two chunks.
  std::string blob_id;
  for (uint64_t at = offset; at < png.size();) {
    uint64_t n = std::min<uint64_t>(150000, png.size() - at);
    Headers h = patch;
    h.emplace_back("Upload-Offset", std::to_string(at));
    auto res = http_call(port(), "PATCH", location, h, png.substr(at, n));
    ASSERT_EQ(res.status, 204) << res.body;
    at += n;
    EXPECT_EQ(res.header("upload-offset"), std::to_string(at));
    if (at == png.size()) blob_id = res.header("parley-blob-id");
  }
  ASSERT_EQ(blob_id.size(), 64u);

  auto status = http_call(port(), "GET", location, tus);
  ASSERT_EQ(status.status, 200);
  v1::UploadStatus s;
  ASSERT_TRUE(protocol::parse_json(status.body, s)) << status.body;
  EXPECT_EQ(s.state(), "done");
  EXPECT_EQ(s.blob().blob_id(), blob_id);

  auto info = parse_info(get("/v1/media/blobs/" + blob_id + "/info", alice_).body);
  EXPECT_EQ(info.mime_type(), "image/png");
  EXPECT_EQ(info.width(), 800u);
  EXPECT_EQ(info.height(), 600u);
  ASSERT_EQ(info.thumbnails_size(), 1);
  EXPECT_EQ(info.thumbnails(0).width(), 320u);
  EXPECT_EQ(info.thumbnails(0).height(), 240u);
  EXPECT_EQ(info.thumbnails(0).mime_type(), "image/webp");
  auto whole = get("/v1/media/blobs/" + blob_id, alice_);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.header("content-type"), "image/png");
  EXPECT_EQ(whole.body.size(), info.size_bytes()) << "streamed in many pieces";
  auto thumb = get("/v1/media/blobs/" + info.thumbnails(0).blob_id(), alice_);
  EXPECT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.header("content-type"), "image/webp");
  EXPECT_EQ(thumb.body.substr(8, 4), "WEBP");
}

TEST_F(MediaTest, ExifIsStrippedAndOrientationApplied) {
  std::string jpeg = with_exif(fixtures_.make("photo.jpg", "vips gaussnoise {out} 640 480"), "PARLEY-GPS-SECRET");
  auto info = must_upload(alice_, jpeg, "image/jpeg");
  EXPECT_EQ(info.mime_type(), "image/jpeg");
  EXPECT_EQ(info.width(), 480u) << "orientation 6 turns 640x480 upright into 480x640";
  EXPECT_EQ(info.height(), 640u);
  ASSERT_EQ(info.thumbnails_size(), 1);
  EXPECT_EQ(info.thumbnails(0).width(), 240u);
  EXPECT_EQ(info.thumbnails(0).height(), 320u);
  auto stored = get("/v1/media/blobs/" + info.blob_id(), alice_);
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(stored.body.substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(stored.body.find(std::string("Exif\0\0", 6)), std::string::npos) << "EXIF survived";
  EXPECT_EQ(stored.body.find("PARLEY-GPS-SECRET"), std::string::npos) << "private metadata survived";
  EXPECT_NE(jpeg.find("PARLEY-GPS-SECRET"), std::string::npos);
}

TEST_F(MediaTest, OnlyMembersOfTheConversationCanDownload) {
  std::string png = fixtures_.make("small.png", "vips gaussnoise {out} 64 48");
  auto info = must_upload(alice_, png);
  std::string target = "/v1/media/blobs/" + info.blob_id();
  EXPECT_EQ(get(target, alice_).status, 200);
  EXPECT_EQ(get(target, bob_).status, 404) << "not sent to bob yet";
  EXPECT_EQ(get(target, "").status, 401);

  auto alice = connect_as(server_, "alice", "ws");
  auto sent = send_media(*alice, direct_, v1::IMAGE, info.blob_id(), "img-1");
  ASSERT_FALSE(sent.has_error()) << sent.ShortDebugString();
  EXPECT_EQ(get(target, bob_).status, 200);
  EXPECT_EQ(get(target, carol_).status, 404);

  // The message carries the server's facts, not the client's.
  auto bob = connect_as(server_, "bob", "ws");
  auto pulled = must(*bob, frame([&](auto& f) {
    f.mutable_pull_messages()->set_conversation_id(direct_);
    f.mutable_pull_messages()->set_after_seq(0);
    f.mutable_pull_messages()->set_limit(10);
  }));
  ASSERT_GE(pulled.pull_messages().messages_size(), 1);
  const auto& media = pulled.pull_messages().messages(0).media();
  EXPECT_EQ(media.mime_type(), "image/png");
  EXPECT_EQ(media.width(), 64u);
  EXPECT_EQ(media.size_bytes(), info.size_bytes());
  EXPECT_EQ(media.thumbnail_blob_id(), info.blob_id() + ".t320");

  // Signed URLs: for bob, yes; for carol, no. The URL works without a token, and not once altered.
  auto url = must(*bob, frame([&](auto& f) {
    f.mutable_get_blob_url()->set_blob_id(info.blob_id());
    f.mutable_get_blob_url()->set_file_name("../holiday \"pic\".png");
  }));
  std::string signed_url = url.get_blob_url().url();
  auto fetched = get(signed_url, "");
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body, get(target, alice_).body);
  EXPECT_EQ(fetched.header("content-disposition").find(".."), std::string::npos) << fetched.header("content-disposition");
  EXPECT_NE(fetched.header("content-disposition").find("holiday pic.png"), std::string::npos);
  std::string tampered = signed_url;
  tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(get(tampered, "").status, 403);
  auto carol = connect_as(server_, "carol", "ws");
  EXPECT_ERROR(carol->call(frame([&](auto& f) { f.mutable_get_blob_url()->set_blob_id(info.blob_id()); })),
               v1::NOT_FOUND);

  // Carol cannot send a message with a blob she cannot see; a kind that does not fit the blob is refused.
  EXPECT_ERROR(send_media(*carol, "d:alice:carol", v1::IMAGE, info.blob_id(), "steal"), v1::NOT_FOUND);
  EXPECT_ERROR(send_media(*alice, direct_, v1::AUDIO, info.blob_id(), "wrong-kind"), v1::INVALID_ARGUMENT);
  // Bob, who can see it, may forward it by id to carol.
  auto forwarded = send_media(*bob, "d:bob:carol", v1::IMAGE, info.blob_id(), "fwd");
  EXPECT_FALSE(forwarded.has_error()) << forwarded.ShortDebugString();
  EXPECT_EQ(get(target, carol_).status, 200);
}

TEST_F(MediaTest, RangesEtagsAndCaching) {
  std::string bytes = "%PDF-1.4\n%parley test document with some text\n%%EOF\n";
  auto info = must_upload(alice_, bytes, "application/pdf");
  EXPECT_EQ(info.mime_type(), "application/pdf");
  std::string target = "/v1/media/blobs/" + info.blob_id();
  auto full = get(target, alice_);
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(full.body, bytes);
  EXPECT_EQ(full.header("accept-ranges"), "bytes");
  EXPECT_EQ(full.header("content-type"), "application/pdf");
  std::string etag = full.header("etag");
  EXPECT_EQ(etag, "\"" + info.blob_id() + "\"");

  auto part = get(target, alice_, {{"Range", "bytes=1-4"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes.substr(1, 4));
  EXPECT_EQ(part.header("content-range"), "bytes 1-4/" + std::to_string(bytes.size()));
  auto tail = get(target, alice_, {{"Range", "bytes=-5"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, bytes.substr(bytes.size() - 5));
  auto past = get(target, alice_, {{"Range", "bytes=" + std::to_string(bytes.size()) + "-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.header("content-range"), "bytes */" + std::to_string(bytes.size()));
  auto head = http_call(port(), "HEAD", target, {{"Authorization", "Bearer " + alice_}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(bytes.size()));
  EXPECT_TRUE(head.body.empty());
  auto cached = get(target, alice_, {{"If-None-Match", etag}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
}

TEST_F(MediaTest, SameContentIsStoredOnce) {
  std::string png = fixtures_.make("dup.png", "vips gaussnoise {out} 100 100");
  // Two users upload the same bytes at the same time.
  HttpResponse a, b;
  std::thread ta([&] { a = upload(alice_, png); });
  std::thread tb([&] { b = upload(bob_, png); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 201) << b.body;
  auto ia = parse_info(a.body), ib = parse_info(b.body);
  EXPECT_EQ(ia.blob_id(), ib.blob_id());
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(server_.data_dir()) / "blobs")) {
    if (e.is_regular_file() && e.path().filename() == ia.blob_id()) ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(get("/v1/media/blobs/" + ia.blob_id(), bob_).status, 200) << "each uploader may read it";
}

TEST_F(MediaTest, VideoAndAudioAreProbed) {
  std::string mp4 = fixtures_.make("clip.mp4",
      "ffmpeg -y -f lavfi -i testsrc=duration=2:size=320x240:rate=10 -c:v mpeg4 -pix_fmt yuv420p {out}");
  auto video = must_upload(alice_, mp4, "video/mp4");
  EXPECT_EQ(video.mime_type(), "video/mp4");
  EXPECT_EQ(video.width(), 320u);
  EXPECT_EQ(video.height(), 240u);
  EXPECT_NEAR(video.duration_ms(), 2000, 200);
  ASSERT_EQ(video.thumbnails_size(), 1) << "a poster frame";
  EXPECT_EQ(video.thumbnails(0).width(), 320u);
  EXPECT_EQ(video.thumbnails(0).height(), 240u);

  std::string wav = fixtures_.make("voice.wav",
      "ffmpeg -y -f lavfi -i sine=frequency=440:duration=1.5 -af volume=4 -c:a pcm_s16le {out}");
  auto audio = must_upload(alice_, wav);
  EXPECT_TRUE(audio.mime_type().starts_with("audio/")) << audio.mime_type();
  EXPECT_NEAR(audio.duration_ms(), 1500, 100);
  ASSERT_EQ(audio.waveform().size(), 64u);
  int peak = static_cast<uint8_t>(audio.waveform()[32]);
  EXPECT_NEAR(peak, 128, 20) << "a sine at half volume (the lavfi sine is 1/8, times 4)";

  auto alice = connect_as(server_, "alice", "ws");
  EXPECT_FALSE(send_media(*alice, direct_, v1::VIDEO, video.blob_id(), "v").has_error());
  EXPECT_FALSE(send_media(*alice, direct_, v1::AUDIO, audio.blob_id(), "a").has_error());
}

TEST_F(MediaTest, BadInputGetsClearErrors) {
  std::string png = fixtures_.make("ok.png", "vips gaussnoise {out} 300 200");
  // Truncated: the header promises 300x200, the data stops.
  auto truncated = upload(alice_, png.substr(0, png.size() / 2));
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_NE(truncated.body.find("INVALID_ARGUMENT"), std::string::npos);
  // Garbage that claims to be an image.
  auto garbage = upload(alice_, std::string(5000, 'x'), "image/png");
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  // A real PNG claimed as a video.
  auto mismatch = upload(alice_, png, "video/mp4");
  EXPECT_EQ(mismatch.status, 400) << mismatch.body;
  EXPECT_NE(mismatch.body.find("not video/mp4"), std::string::npos) << mismatch.body;
  // A decompression bomb: 400 megapixels of black compress to very little.
  std::string bomb = fixtures_.make("bomb.png", "vips black {out} 20000 20000");
  ASSERT_LT(bomb.size(), 2u * 1024 * 1024);
  auto bombed = upload(alice_, bomb);
  EXPECT_EQ(bombed.status, 413) << bombed.body;
  // A corrupt video.
  std::string mp4 = fixtures_.make("cut.mp4", "ffmpeg -y -f lavfi -i testsrc=duration=1:size=160x120:rate=10 -c:v mpeg4 {out}");
  auto cut = upload(alice_, mp4.substr(0, mp4.size() / 3), "video/mp4");
  EXPECT_EQ(cut.status, 400) << cut.body;
  // Too big for a one-shot upload (default limit 8 MiB), refused before the body is read.
  EXPECT_EQ(http_send_truncated(port(), "POST", "/v1/media/blobs", {{"Authorization", "Bearer " + alice_}}, "x",
                                9 * 1024 * 1024),
            413);
  auto oversize = http_call(port(), "POST", "/v1/media/uploads",
                            {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + alice_},
                             {"Upload-Length", std::to_string(200ull * 1024 * 1024)}});
  EXPECT_EQ(oversize.status, 413) << oversize.body;
  // Bad tus headers.
  EXPECT_EQ(http_call(port(), "POST", "/v1/media/uploads", {{"Authorization", "Bearer " + alice_}}).status, 412);
  EXPECT_EQ(http_call(port(), "POST", "/v1/media/uploads",
                      {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + alice_}, {"Upload-Length", "-1"}})
                .status,
            400);
  // Path tricks in blob ids never reach the file system.
  EXPECT_EQ(get("/v1/media/blobs/..%2F..%2Fparley.db", alice_).status, 404);
  EXPECT_EQ(get("/v1/media/blobs/../../parley.db", alice_).status, 404);
  // Nothing half-written is visible: only complete blobs (64 hex names, or their variants) exist.
  for (const auto& e : fs::recursive_directory_iterator(fs::path(server_.data_dir()) / "blobs")) {
    if (!e.is_regular_file()) continue;
    EXPECT_NE(e.path().parent_path().filename(), "tmp") << "left in tmp: " << e.path();
  }
  // The server still works, and counted the refusals.
  EXPECT_EQ(upload(alice_, png).status, 201);
  auto metrics = http_call(port(), "GET", "/metrics", {}).body;
  EXPECT_NE(metrics.find("parley_media_uploads_refused_total 5"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parley_media_blobs_stored_total 1"), std::string::npos);
}

class MediaGcTest : public MediaTest {
 protected:
  MediaGcTest() : MediaTest({"--media-gc-grace-seconds", "0", "--media-gc-interval-seconds", "0",
                             "--revoke-window-seconds", "3600"}) {}
  HttpResponse gc() {
    return http_call(port(), "POST", "/v1/admin/media/gc", {{"Authorization", std::string("Bearer ") + ServerProcess::kAdminSecret}});
  }
};

TEST_F(MediaGcTest, UnreferencedBlobsAreCollected) {
  auto kept = must_upload(alice_, fixtures_.make("kept.png", "vips gaussnoise {out} 50 50"));
  auto dropped = must_upload(alice_, fixtures_.make("dropped.png", "vips gaussnoise {out} 60 60"));
  auto alice = connect_as(server_, "alice", "ws");
  auto sent = send_media(*alice, direct_, v1::IMAGE, kept.blob_id(), "kept");
  ASSERT_FALSE(sent.has_error());

  // Other operations on the message (a reaction) keep the reference.
  auto reacted = alice->call(frame([&](auto& f) {
    f.mutable_react()->set_conversation_id(direct_);
    f.mutable_react()->set_seq(sent.send_message().seq());
    f.mutable_react()->set_emoji("👍");
    f.mutable_react()->set_client_msg_id("react-1");
  }));
  ASSERT_FALSE(reacted.has_error()) << reacted.ShortDebugString();
  EXPECT_EQ(get("/v1/media/blobs/" + kept.blob_id(), bob_).status, 200);

  EXPECT_EQ(http_call(port(), "POST", "/v1/admin/media/gc", {}).status, 401);
  auto first = gc();
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find("\"blobsDeleted\":1"), std::string::npos) << first.body;
  EXPECT_EQ(get("/v1/media/blobs/" + dropped.blob_id(), alice_).status, 404);
  EXPECT_EQ(get("/v1/media/blobs/" + kept.blob_id(), alice_).status, 200);
  fs::path blobs = fs::path(server_.data_dir()) / "blobs";
  auto exists = [&](const std::string& id) {
    return fs::exists(blobs / id.substr(0, 2) / id.substr(2, 2) / id);
  };
  EXPECT_FALSE(exists(dropped.blob_id()));
  EXPECT_FALSE(fs::exists(blobs / dropped.blob_id().substr(0, 2) / dropped.blob_id().substr(2, 2) /
                          (dropped.blob_id() + ".t320")));
  EXPECT_TRUE(exists(kept.blob_id()));

  // Revoking the only message that referenced it makes it collectable.
  auto revoked = alice->call(frame([&](auto& f) {
    f.mutable_revoke_message()->set_conversation_id(direct_);
    f.mutable_revoke_message()->set_seq(sent.send_message().seq());
    f.mutable_revoke_message()->set_client_msg_id("revoke-1");
  }));
  ASSERT_FALSE(revoked.has_error()) << revoked.ShortDebugString();
  EXPECT_EQ(get("/v1/media/blobs/" + kept.blob_id(), bob_).status, 404) << "the revoked message no longer grants access";
  auto second = gc();
  EXPECT_NE(second.body.find("\"blobsDeleted\":1"), std::string::npos) << second.body;
  EXPECT_FALSE(exists(kept.blob_id()));
}

TEST(MediaUploadExpiry, AbandonedUploadsExpire) {
  // Uploads expire at once here; GC runs only when asked.
  ServerProcess server({"--media-upload-expiry-seconds", "0", "--media-gc-interval-seconds", "0"});
  std::string token = admin_user_token(server.port(), "dave", "phone");
  Headers tus{{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + token}};
  Headers create = tus;
  create.emplace_back("Upload-Length", "1000");
  auto created = http_call(server.port(), "POST", "/v1/media/uploads", create);
  ASSERT_EQ(created.status, 201);
  std::string location = created.header("location");
  std::string id = location.substr(location.rfind('/') + 1);
  fs::path part = fs::path(server.data_dir()) / "uploads" / (id + ".part");
  EXPECT_TRUE(fs::exists(part));
  auto report = http_call(server.port(), "POST", "/v1/admin/media/gc",
                          {{"Authorization", std::string("Bearer ") + ServerProcess::kAdminSecret}});
  EXPECT_NE(report.body.find("\"uploadsExpired\":1"), std::string::npos) << report.body;
  EXPECT_FALSE(fs::exists(part));
  EXPECT_EQ(http_call(server.port(), "HEAD", location, tus).status, 404);
}

}  // namespace
}  // namespace parley::testing
