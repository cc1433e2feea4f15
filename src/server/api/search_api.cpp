// Full-text message search.
#include <charconv>

#include "server/api/request.h"

namespace parley::server {
namespace {

constexpr size_t kMaxQueryBytes = 256;
constexpr int kMaxTerms = 16;

// The user's words as an FTS5 expression: every word must match; each is quoted (so FTS5 operators and
// punctuation in it are plain text), and a trailing * keeps its meaning of "starts with".
std::optional<std::string> fts_expression(const std::string& query) {
  std::string out;
  int terms = 0;
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    size_t start = i;
    while (i < query.size() && !std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    if (start == i) break;
    std::string word = query.substr(start, i - start);
    bool prefix = word.size() > 1 && word.back() == '*';
    if (prefix) word.pop_back();
    if (++terms > kMaxTerms) return std::nullopt;
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : word) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
    if (prefix) out += '*';
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

void handle_search_messages(const Request& r, const Identity& me, const v1::SearchMessagesRequest& req) {
  if (req.query().empty() || req.query().size() > kMaxQueryBytes || !core::is_valid_utf8(req.query())) {
    return r.error(v1::INVALID_ARGUMENT, "query must be 1-256 bytes of UTF-8");
  }
  auto match = fts_expression(req.query());
  if (!match) return r.error(v1::INVALID_ARGUMENT, "query needs 1 to 16 words");
  if (!req.conversation_id().empty() && !check_conversation_id(r, req.conversation_id())) return;
  if (!req.sender_id().empty() && !check_user_id(r, req.sender_id(), "sender_id")) return;
  store::SearchQuery q;
  q.user_id = me.user_id;
  q.match = std::move(*match);
  q.words = req.query();
  q.conversation_id = req.conversation_id();
  q.sender_id = req.sender_id();
  q.kind = req.kind();
  q.after_ms = req.after_ms();
  q.before_ms = req.before_ms();
  q.limit = req.limit() == 0 ? 20 : std::min<uint32_t>(req.limit(), 100);
  if (!req.page_token().empty()) {
    const auto& t = req.page_token();
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), q.before_rowid);
    if (ec != std::errc() || end != t.data() + t.size() || q.before_rowid <= 0) {
      return r.error(v1::INVALID_ARGUMENT, "page_token is not one this server gave out");
    }
  }
  r.on_worker([r, q = std::move(q)] {
    auto page = r.services->store.search_messages(q);
    if (!page) return r.error(page.error());
    v1::ServerFrame out;
    auto* o = out.mutable_search_messages();
    for (auto& hit : page->hits) *o->add_hits() = std::move(hit);
    if (page->next_rowid > 0) o->set_next_page_token(std::to_string(page->next_rowid));
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
