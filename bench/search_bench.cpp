// parley-search-bench: how long the first page of a full-text search takes on a store with many messages.
//
// Fills a fresh SQLite store through the Store interface (the same writes parleyd makes: authorization, seq,
// search index), then times search_messages for users in few and many conversations, with rare and common
// words, and compares it with a plain key lookup (pull of the newest page) measured on the same store.
// Writes bench/results/search-<time>.json and .md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "server/store/sqlite/sqlite_store.h"

namespace {

using namespace parley;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A vocabulary with a Zipf-like use: word i is picked with weight 1/(i+1).
class Words {
 public:
  Words(size_t n, std::mt19937_64& rng) : rng_(rng) {
    static const char* kSyllables[] = {"ka", "lo", "mi", "ten", "ra", "vo", "shi", "pu", "del", "an",
                                       "ri", "zo", "bel", "mon", "qua", "te", "si", "gor", "ul", "fen"};
    std::vector<double> weights;
    for (size_t i = 0; i < n; ++i) {
      std::string w;
      size_t x = i + 7;
      do {
        w += kSyllables[x % 20];
        x /= 20;
      } while (x > 0);
      words_.push_back(w);
      weights.push_back(1.0 / static_cast<double>(i + 1));
    }
    pick_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }
  const std::string& random() { return words_[pick_(rng_)]; }
  const std::string& at(size_t i) const { return words_[i]; }

 private:
  std::mt19937_64& rng_;
  std::vector<std::string> words_;
  std::discrete_distribution<size_t> pick_;
};

struct Timing {
  std::string name;
  std::vector<double> ms;
  size_t hits = 0;
  double percentile(double p) {
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parley-search-bench: full-text search latency on a large store"};
  uint64_t messages = 1000000;
  int users = 2000, heavy_conversations = 200, queries = 200;
  std::string out_dir = "bench/results";
  app.add_option("--messages", messages, "messages to store");
  app.add_option("--users", users, "users (each in a few direct conversations)");
  app.add_option("--heavy-conversations", heavy_conversations, "conversations of the one heavy user");
  app.add_option("--queries", queries, "queries per case");
  app.add_option("--out", out_dir, "results directory");
  CLI11_PARSE(app, argc, argv);

  auto dir = std::filesystem::temp_directory_path() / ("parley-search-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  store::sqlite::SqliteStore::Options options;
  options.path = (dir / "parley.db").string();
  options.durability = store::sqlite::SqliteStore::Durability::kNormal;
  auto opened = store::sqlite::SqliteStore::open(options);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  std::mt19937_64 rng(42);
  Words words(20000, rng);

  auto user = [](int i) { return "u" + std::to_string(i); };
  {
    std::vector<std::future<void>> done;
    for (int i = 0; i < users; ++i) {
      auto p = std::make_shared<std::promise<void>>();
      done.push_back(p->get_future());
      store.create_user(store::UserRecord{user(i), user(i), "", false, 1, {}}, [p](auto) { p->set_value(); });
    }
    for (auto& f : done) f.wait();
  }
  // Conversations: u0 (the heavy user) talks with heavy_conversations others; everyone else with 3 peers.
  std::vector<std::string> conversations;
  auto pair_id = [&](int a, int b) {
    std::string x = user(a), y = user(b);
    return "d:" + std::min(x, y) + ":" + std::max(x, y);
  };
  for (int i = 1; i <= heavy_conversations && i < users; ++i) conversations.push_back(pair_id(0, i));
  for (int i = 1; i < users; ++i) {
    for (int k = 1; k <= 3; ++k) conversations.push_back(pair_id(i, 1 + (i + k * 7) % (users - 1)));
  }
  std::sort(conversations.begin(), conversations.end());
  conversations.erase(std::unique(conversations.begin(), conversations.end()), conversations.end());
  std::erase_if(conversations, [](const std::string& c) { return c.substr(2, c.find(':', 2) - 2) == c.substr(c.rfind(':') + 1); });

  auto fill_started = Clock::now();
  std::atomic<uint64_t> failed{0};
  const uint64_t kWindow = 20000;  // writes in flight at once (the store's queue holds 65,536)
  for (uint64_t sent = 0; sent < messages;) {
    std::vector<std::future<void>> window;
    for (uint64_t i = 0; i < kWindow && sent < messages; ++i, ++sent) {
      const std::string& conv = conversations[rng() % conversations.size()];
      store::NewMessage m;
      m.conversation_id = conv;
      m.sender_id = conv.substr(2, conv.find(':', 2) - 2);
      m.client_msg_id = "m" + std::to_string(sent);
      m.content.set_kind(v1::TEXT);
      std::string text;
      int n = 4 + static_cast<int>(rng() % 12);
      for (int w = 0; w < n; ++w) text += (w ? " " : "") + words.random();
      m.content.set_text(std::move(text));
      m.timestamp_ms = 1700000000000 + static_cast<int64_t>(sent);
      auto p = std::make_shared<std::promise<void>>();
      window.push_back(p->get_future());
      store.append_message(std::move(m), [p, &failed](Result<store::AppendResult> r) {
        if (!r) failed.fetch_add(1);
        p->set_value();
      });
    }
    for (auto& f : window) f.wait();
    std::fprintf(stderr, "\rstored %llu / %llu", static_cast<unsigned long long>(sent),
                 static_cast<unsigned long long>(messages));
  }
  const double fill_seconds = ms_since(fill_started) / 1000.0;
  std::fprintf(stderr, "\nstored %llu messages in %.1f s (%llu failed)\n", static_cast<unsigned long long>(messages),
               fill_seconds, static_cast<unsigned long long>(failed.load()));

  // Cases: the heavy user and an ordinary one; a common word (rank 5), a mid one (rank 300), a rare one (rank
  // 5000), two words, a prefix.
  struct Case {
    std::string name;
    std::string user;
    std::string match;
  };
  std::vector<Case> cases = {
      {"heavy user, common word", user(0), "\"" + words.at(5) + "\""},
      {"heavy user, mid word", user(0), "\"" + words.at(300) + "\""},
      {"heavy user, rare word", user(0), "\"" + words.at(5000) + "\""},
      {"heavy user, two words", user(0), "\"" + words.at(5) + "\" \"" + words.at(40) + "\""},
      {"heavy user, prefix", user(0), "\"" + words.at(300).substr(0, 3) + "\"*"},
      {"ordinary user, common word", user(77), "\"" + words.at(5) + "\""},
      {"ordinary user, mid word", user(77), "\"" + words.at(300) + "\""},
      {"ordinary user, rare word", user(77), "\"" + words.at(5000) + "\""},
  };
  std::vector<Timing> timings;
  for (const auto& c : cases) {
    Timing t{c.name, {}, 0};
    for (int q = 0; q < queries; ++q) {
      store::SearchQuery query;
      query.user_id = c.user;
      query.match = c.match;
      query.limit = 20;
      auto started = Clock::now();
      auto page = store.search_messages(query);
      t.ms.push_back(ms_since(started));
      if (page) t.hits = page->hits.size();
    }
    timings.push_back(std::move(t));
  }
  Timing pull{"baseline: pull newest 20 of a conversation", {}, 20};
  for (int q = 0; q < queries; ++q) {
    auto started = Clock::now();
    (void)store.pull(conversations[static_cast<size_t>(q) % conversations.size()], 1, UINT64_MAX / 2,
                     store::Direction::kBefore, 20, "nobody");
    pull.ms.push_back(ms_since(started));
  }
  const double baseline = pull.percentile(0.5);

  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
  std::filesystem::create_directories(out_dir);
  std::ostringstream md, json;
  md << "# Search: first page (20 hits) on a store of " << messages << " messages\n\n"
     << "Store filled through the Store interface in " << fill_seconds << " s; " << conversations.size()
     << " direct conversations, " << users << " users; the heavy user is in " << heavy_conversations
     << " conversations. " << queries << " queries per case, one thread, warm cache.\n\n"
     << "| case | hits | p50 ms | p99 ms | p50 / baseline p50 |\n|---|---:|---:|---:|---:|\n";
  json << "{\"messages\":" << messages << ",\"fill_seconds\":" << fill_seconds << ",\"cases\":[";
  for (size_t i = 0; i < timings.size(); ++i) {
    auto& t = timings[i];
    double p50 = t.percentile(0.5), p99 = t.percentile(0.99);
    char line[256];
    std::snprintf(line, sizeof line, "| %s | %zu | %.2f | %.2f | %.1f |\n", t.name.c_str(), t.hits, p50, p99,
                  p50 / baseline);
    md << line;
    json << (i ? "," : "") << "{\"case\":\"" << t.name << "\",\"hits\":" << t.hits << ",\"p50_ms\":" << p50
         << ",\"p99_ms\":" << p99 << "}";
  }
  char line[256];
  std::snprintf(line, sizeof line, "| %s | %zu | %.3f | %.3f | 1.0 |\n", pull.name.c_str(), pull.hits, baseline,
                pull.percentile(0.99));
  md << line;
  json << "],\"baseline_pull_p50_ms\":" << baseline << "}\n";
  std::string base = out_dir + "/search-" + stamp;
  std::ofstream(base + ".md") << md.str();
  std::ofstream(base + ".json") << json.str();
  std::printf("%s", md.str().c_str());
  opened->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
