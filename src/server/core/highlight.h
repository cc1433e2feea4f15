// Search snippets: the part of a message's text around its first match, with the matching words marked.
// Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

// A search term as the user typed it: a word, or the start of words when `prefix`.
struct SearchTerm {
  std::string word;
  bool prefix = false;
};

// Splits a query into terms: words are runs of letters and digits (any non-ASCII byte counts as a letter,
// as in SQLite's unicode61 tokenizer); a word directly followed by '*' is a prefix. At most `max_terms`.
std::vector<SearchTerm> search_terms(std::string_view query, size_t max_terms = 16);

// `text` with every word that matches a term (ASCII case-insensitive) between \x02 and \x03, cut to about
// `max_words` words from shortly before the first match ("…" where it was cut).
std::string highlight(std::string_view text, const std::vector<SearchTerm>& terms, size_t max_words = 16);

}  // namespace parley::core
