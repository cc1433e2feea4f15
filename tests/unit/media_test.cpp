// Media pieces without a server: header parsing, blob keys, the local blob store's atomicity and dedupe,
// the upload registry's offsets and expiry, signed URLs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "server/media/http_fields.h"
#include "server/media/local_blob_store.h"
#include "server/media/signed_url.h"
#include "server/media/upload_registry.h"

namespace parley::media {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/parley-media-unit-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

TEST(MediaFields, Ranges) {
  auto r = parse_range("bytes=0-9", 100);
  ASSERT_EQ(r.outcome, RangeOutcome::kRange);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(r.range.last, 9u);
  r = parse_range("bytes=90-200", 100);
  EXPECT_EQ(r.range.last, 99u) << "clamped to the end";
  r = parse_range("bytes=-10", 100);
  EXPECT_EQ(r.range.first, 90u);
  r = parse_range("bytes=-1000", 100);
  EXPECT_EQ(r.range.first, 0u);
  EXPECT_EQ(parse_range("bytes=100-", 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=5-1", 100).outcome, RangeOutcome::kNone) << "invalid: ignored";
  EXPECT_EQ(parse_range("bytes=0-1,5-9", 100).outcome, RangeOutcome::kNone) << "multipart: whole body";
  EXPECT_EQ(parse_range("items=0-1", 100).outcome, RangeOutcome::kNone);
  EXPECT_EQ(parse_range("bytes=+1-2", 100).outcome, RangeOutcome::kNone);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 100).outcome, RangeOutcome::kNone) << "overflow";
}

TEST(MediaFields, NumbersAndMetadata) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("1234"), 1234u);
  EXPECT_FALSE(parse_u64(""));
  EXPECT_FALSE(parse_u64("-1"));
  EXPECT_FALSE(parse_u64(" 1"));
  EXPECT_FALSE(parse_u64("12345678901234567890"));
  auto m = parse_upload_metadata("filename aGVsbG8ucG5n,filetype aW1hZ2UvcG5n,is_confidential");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("filename"), "hello.png");
  EXPECT_EQ(m->at("filetype"), "image/png");
  EXPECT_EQ(m->at("is_confidential"), "");
  EXPECT_FALSE(parse_upload_metadata("filename !!!notbase64"));
  EXPECT_FALSE(parse_upload_metadata("a YQ==,a YQ==")) << "duplicate key";
  EXPECT_FALSE(parse_upload_metadata("bad/key YQ=="));
}

TEST(MediaFields, FileNamesAreMadeSafe) {
  EXPECT_EQ(safe_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(safe_file_name("C:\\Windows\\evil.exe"), "evil.exe");
  EXPECT_EQ(safe_file_name("..."), "file");
  EXPECT_EQ(safe_file_name(".bashrc"), "bashrc");
  EXPECT_EQ(safe_file_name("\x8b..x"), "x") << "an invalid byte dropped must not uncover leading dots (found by the fuzzer)";
  EXPECT_EQ(safe_file_name("a\"b\r\nc.txt"), "abc.txt");
  EXPECT_EQ(safe_file_name("photo été.jpg"), "photo été.jpg");
  EXPECT_EQ(safe_file_name(std::string(300, 'x')).size(), 200u);
  std::string cut = safe_file_name(std::string(199, 'x') + "é");  // the 2-byte é straddles the limit
  EXPECT_EQ(cut, std::string(199, 'x'));
  auto cd = content_disposition("attachment", "../report \"final\" été.pdf");
  EXPECT_EQ(cd, "attachment; filename=\"report final __t__.pdf\"; filename*=UTF-8''report%20final%20%C3%A9t%C3%A9.pdf");
}

TEST(MediaFields, QueryParameters) {
  EXPECT_EQ(query_param("exp=1&name=a%20b&sig=ff", "name"), "a b");
  EXPECT_EQ(query_param("exp=1&sig=ff", "name"), std::nullopt);
  EXPECT_EQ(query_param("name=%zz", "name"), std::nullopt);
  EXPECT_EQ(url_decode(url_encode("a/b c?d=é")), "a/b c?d=é");
}

TEST(MediaKeys, OnlyHashesAndVariantsAreKeys) {
  const std::string id(64, 'a');
  EXPECT_TRUE(is_valid_blob_key(id));
  EXPECT_TRUE(is_valid_blob_key(id + ".t320"));
  EXPECT_FALSE(is_valid_blob_key(id + "."));
  EXPECT_FALSE(is_valid_blob_key(id + ".T320"));
  EXPECT_FALSE(is_valid_blob_key(id + "./x"));
  EXPECT_FALSE(is_valid_blob_key(std::string(64, 'A')));
  EXPECT_FALSE(is_valid_blob_key("../" + id.substr(3)));
  EXPECT_EQ(blob_id_of(id + ".t320"), id);
}

TEST(LocalBlobStore, PutIsContentAddressedAtomicAndDeduplicated) {
  TempDir dir;
  auto store = LocalBlobStore::create(dir.path() / "blobs");
  ASSERT_TRUE(store);
  fs::path a = (*store)->staging_dir() / "a", b = (*store)->staging_dir() / "b";
  write_file(a, "hello");
  write_file(b, "hello");
  auto first = (*store)->put_file(a);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");  // sha256("hello")
  EXPECT_FALSE(first->existed);
  EXPECT_FALSE(fs::exists(a)) << "consumed";
  auto second = (*store)->put_file(b);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_TRUE(second->existed);
  EXPECT_FALSE(fs::exists(b));
  auto reader = (*store)->open(first->id);
  ASSERT_TRUE(reader);
  char buf[8] = {};
  EXPECT_EQ((*reader)->size(), 5u);
  EXPECT_EQ((*reader)->read_at(1, buf, 8), 4u);
  EXPECT_EQ(std::string(buf, 4), "ello");

  fs::path t = (*store)->staging_dir() / "t";
  write_file(t, "thumb");
  ASSERT_TRUE((*store)->put_variant(first->id, "t320", t));
  EXPECT_TRUE((*store)->open(first->id + ".t320"));
  EXPECT_FALSE((*store)->put_variant(first->id, "../x", t));
  ASSERT_TRUE((*store)->remove(first->id));
  EXPECT_EQ((*store)->open(first->id).error().code, v1::NOT_FOUND);
  EXPECT_EQ((*store)->open(first->id + ".t320").error().code, v1::NOT_FOUND);
  EXPECT_EQ((*store)->open("../../etc/passwd").error().code, v1::NOT_FOUND);
}

TEST(LocalBlobStore, ConcurrentPutsOfTheSameContentAgree) {
  TempDir dir;
  auto store = LocalBlobStore::create(dir.path() / "blobs");
  ASSERT_TRUE(store);
  std::string content(1 << 20, 'z');
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (int i = 0; i < 8; ++i) {
    fs::path p = (*store)->staging_dir() / ("c" + std::to_string(i));
    write_file(p, content);
    threads.emplace_back([&, i, p] {
      auto r = (*store)->put_file(p);
      ids[i] = r ? r->id : "";
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "blobs")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "one object, no temp files left";
}

TEST(LocalBlobStore, CrashLeftoversInTmpAreRemovedAtStart) {
  TempDir dir;
  fs::create_directories(dir.path() / "blobs" / "tmp");
  write_file(dir.path() / "blobs" / "tmp" / "half-written", "partial");
  auto store = LocalBlobStore::create(dir.path() / "blobs");
  ASSERT_TRUE(store);
  EXPECT_FALSE(fs::exists(dir.path() / "blobs" / "tmp" / "half-written"));
}

TEST(UploadRegistry, OffsetsConflictsExpiryAndRestart) {
  TempDir dir;
  UploadMeta meta{"up1", "alice", 10, "a.bin", "", 1000, 5000};
  {
    UploadRegistry registry(dir.path() / "uploads");
    ASSERT_TRUE(registry.create(meta));
    EXPECT_EQ(registry.get("up1", "bob").error().code, v1::NOT_FOUND) << "someone else's upload";
    EXPECT_EQ(registry.begin_append("up1", "alice", 3).error().code, v1::CONFLICT);
    auto fd = registry.begin_append("up1", "alice", 0);
    ASSERT_TRUE(fd);
    EXPECT_EQ(registry.begin_append("up1", "alice", 0).error().code, v1::CONFLICT) << "one append at a time";
    ASSERT_EQ(::write(*fd, "hello", 5), 5);
    bool complete = true;
    EXPECT_EQ(registry.end_append("up1", *fd, &complete), 5u);
    EXPECT_FALSE(complete);
    EXPECT_EQ(registry.pending_of("alice"), std::make_pair(uint64_t{10}, uint32_t{1}));
  }
  {
    UploadRegistry registry(dir.path() / "uploads");  // a restart keeps the upload and its offset
    auto view = registry.get("up1", "alice");
    ASSERT_TRUE(view);
    EXPECT_EQ(view->offset, 5u);
    EXPECT_EQ(view->meta.file_name, "a.bin");
    EXPECT_EQ(registry.expire(4999), 0u);
    EXPECT_EQ(registry.expire(5000), 1u);
    EXPECT_FALSE(registry.get("up1", "alice"));
    EXPECT_FALSE(fs::exists(registry.part_path("up1")));
  }
}

TEST(UrlSigner, SignsVerifiesAndExpires) {
  TempDir dir;
  auto signer = UrlSigner::load_or_create(dir.path() / "media.key");
  ASSERT_TRUE(signer);
  EXPECT_EQ(fs::status(dir.path() / "media.key").permissions() & fs::perms::others_read, fs::perms::none);
  const std::string key(64, 'b');
  std::string url = signer->sign(key, 2000, "a b.png");
  std::string query = url.substr(url.find('?') + 1);
  EXPECT_TRUE(signer->verify(key, query, 1999));
  EXPECT_FALSE(signer->verify(key, query, 2000)) << "expired";
  EXPECT_FALSE(signer->verify(std::string(64, 'c'), query, 1000)) << "another blob";
  std::string renamed = query;
  renamed.replace(renamed.find("a%20b"), 5, "x%20b");
  EXPECT_FALSE(signer->verify(key, renamed, 1000)) << "another name";
  auto again = UrlSigner::load_or_create(dir.path() / "media.key");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->verify(key, query, 1000)) << "the key survives restarts";
}

}  // namespace
}  // namespace parley::media
