#include "server/core/highlight.h"

#include <algorithm>
#include <cctype>

namespace parley::core {
namespace {

bool is_word_byte(unsigned char c) { return c >= 0x80 || std::isalnum(c); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_prefix(std::string_view word, std::string_view term, bool prefix) {
  if (prefix ? word.size() < term.size() : word.size() != term.size()) return false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (lower(word[i]) != lower(term[i])) return false;
  }
  return true;
}

struct Span {
  size_t begin, end;
};

std::vector<Span> words_of(std::string_view text) {
  std::vector<Span> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back({start, i});
  }
  return out;
}

}  // namespace

std::vector<SearchTerm> search_terms(std::string_view query, size_t max_terms) {
  std::vector<SearchTerm> out;
  for (const auto& w : words_of(query)) {
    if (out.size() == max_terms) break;
    const bool prefix = w.end < query.size() && query[w.end] == '*';
    out.push_back({std::string(query.substr(w.begin, w.end - w.begin)), prefix});
  }
  return out;
}

std::string highlight(std::string_view text, const std::vector<SearchTerm>& terms, size_t max_words) {
  const auto words = words_of(text);
  std::vector<bool> hit(words.size(), false);
  size_t first = words.size();
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = text.substr(words[i].begin, words[i].end - words[i].begin);
    hit[i] = std::any_of(terms.begin(), terms.end(), [&](const SearchTerm& t) { return same_prefix(w, t.word, t.prefix); });
    if (hit[i] && first == words.size()) first = i;
  }
  if (words.empty()) return std::string(text);
  if (first == words.size()) first = 0;
  const size_t from = first > 3 ? first - 3 : 0;
  const size_t to = std::min(words.size(), from + std::max<size_t>(max_words, 1));
  std::string out;
  size_t pos = from == 0 ? 0 : words[from].begin;
  if (from > 0) out += "…";
  for (size_t i = from; i < to; ++i) {
    out.append(text.substr(pos, words[i].begin - pos));
    if (hit[i]) out += '\x02';
    out.append(text.substr(words[i].begin, words[i].end - words[i].begin));
    if (hit[i]) out += '\x03';
    pos = words[i].end;
  }
  if (to == words.size()) {
    out.append(text.substr(pos));
  } else {
    out += "…";
  }
  return out;
}

}  // namespace parley::core
