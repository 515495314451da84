#include "answer_kind.hpp"

#include <cctype>
#include <unordered_set>
#include <vector>

#include "text_terms.hpp"

namespace docent::retrieval {

namespace {

using Words = std::unordered_set<std::string_view>;

const Words kTimeNouns = {"year", "years", "date", "dates", "day", "month", "century", "centuries", "decade",
                          "time", "era", "period", "season", "week"};
const Words kQuantityNouns = {"number", "amount", "percentage", "percent", "proportion", "fraction", "ph",
                              "voltage", "temperature", "speed", "height", "length", "width", "depth", "distance",
                              "weight", "mass", "size", "population", "cost", "price", "age", "capacity", "volume",
                              "frequency", "altitude", "elevation", "power", "pressure", "score", "total", "rate"};
const Words kPlaceNouns = {"city", "country", "state", "town", "county", "region", "continent", "place", "location",
                           "river", "island", "province", "nation", "street", "site", "village", "capital",
                           "district", "venue", "stadium", "area", "borough", "port"};
const Words kPersonNouns = {"person", "man", "woman", "king", "queen", "president", "author", "writer", "scientist",
                            "leader", "emperor", "player", "coach", "architect", "engineer", "ruler", "pope",
                            "composer", "artist", "actor", "singer", "founder", "inventor", "minister", "driver",
                            "keeper", "general", "officer", "governor", "mayor", "owner", "physicist", "poet"};
const Words kHowQuantity = {"many", "much", "long", "far", "old", "tall", "high", "big", "large", "heavy", "deep",
                            "wide", "fast", "often", "hot", "cold", "small", "frequently", "low", "short"};
// Words between "what"/"which" and the noun that says what is asked for.
const Words kSkipped = {"is", "was", "are", "were", "the", "a", "an", "did", "does", "do", "has", "had", "of",
                        "kind", "type", "sort", "minimum", "maximum", "exact", "approximate", "first", "last",
                        "average", "total", "main", "new", "current", "highest", "lowest", "largest", "smallest"};
const Words kMonths = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
                       "october", "november", "december"};
const Words kWeekdays = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
const Words kNumberWords = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                            "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
                            "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million",
                            "millions", "billion", "billions", "trillion", "dozen", "dozens", "half", "twice",
                            "once", "single", "double", "triple", "several"};
const Words kPlacePrepositions = {"in", "at", "from", "near", "to", "into", "across", "outside", "inside", "of", "on"};

using Token = TextWord;

std::vector<Token> tokens_of(std::string_view text) { return text_words(text); }

bool in_question(const Token& token, const std::set<std::string>& question_terms) {
  for (const auto& term : content_terms(token.lower))
    if (question_terms.count(term)) return true;
  return false;
}

bool capitalised(const Token& token) { return token.capitalised; }

bool year_like(const Token& token) {
  std::string digits = token.lower;
  if (digits.size() == 5 && digits.back() == 's') digits.pop_back();  // "1990s"
  if (digits.size() != 4) return false;
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  int value = std::stoi(digits);
  return value >= 1000 && value <= 2099;
}

bool month(const Token& token) { return capitalised(token) && kMonths.count(token.lower) > 0; }

double time_evidence(const std::vector<Token>& tokens, const std::set<std::string>& question_terms) {
  double best = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& token = tokens[i];
    if (in_question(token, question_terms)) continue;
    if (year_like(token) || month(token)) return 1;
    bool ordinal = i > 0 && (tokens[i - 1].number || tokens[i - 1].lower.ends_with("th"));
    if ((token.lower == "century" || token.lower == "centuries") && ordinal) return 1;
    if (token.number && i + 1 < tokens.size() && (tokens[i + 1].lower == "bc" || tokens[i + 1].lower == "ad")) return 1;
    if (kWeekdays.count(token.lower) || token.lower == "century" || token.lower == "decade") best = std::max(best, 0.6);
  }
  return best;
}

double quantity_evidence(const std::vector<Token>& tokens, const std::set<std::string>& question_terms) {
  double best = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& token = tokens[i];
    bool numeric = token.number || kNumberWords.count(token.lower) > 0;
    if (!numeric || in_question(token, question_terms)) continue;
    bool date = year_like(token) || (i > 0 && month(tokens[i - 1])) || (i + 1 < tokens.size() && month(tokens[i + 1]));
    if (date) {
      best = std::max(best, 0.2);
      continue;
    }
    double evidence = token.number ? 0.8 : 0.6;
    // The noun the question counts or measures right after the number: "23 cars", "212 steps".
    for (std::size_t j = i + 1; j < tokens.size() && j <= i + 3; ++j)
      if (in_question(tokens[j], question_terms)) evidence = 1;
    best = std::max(best, evidence);
  }
  return best;
}

double name_evidence(const std::vector<Token>& tokens, const std::set<std::string>& question_terms, bool place) {
  double best = 0;
  auto is_name = [&](std::size_t i) {
    const auto& token = tokens[i];
    return i > 0 && capitalised(token) && !token.number && !kMonths.count(token.lower) && !kWeekdays.count(token.lower) &&
           !content_terms(token.lower).empty() && !in_question(token, question_terms);
  };
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    if (!is_name(i)) continue;
    double evidence = 0.5;
    if (place && kPlacePrepositions.count(tokens[i - 1].lower)) evidence = 1;
    if (!place && i + 1 < tokens.size() && is_name(i + 1)) evidence = 1;
    best = std::max(best, evidence);
  }
  return best;
}

}  // namespace

std::string_view to_string(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::time: return "time";
    case AnswerKind::quantity: return "quantity";
    case AnswerKind::person: return "person";
    case AnswerKind::place: return "place";
    case AnswerKind::any: break;
  }
  return "any";
}

AnswerKind answer_kind(std::string_view question) {
  auto tokens = tokens_of(question);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& word = tokens[i].lower;
    if (word == "when") return AnswerKind::time;
    if (word == "where") return AnswerKind::place;
    if (word == "who" || word == "whom" || word == "whose") return AnswerKind::person;
    if (word == "how") {
      if (i + 1 < tokens.size() && kHowQuantity.count(tokens[i + 1].lower)) return AnswerKind::quantity;
      return AnswerKind::any;
    }
    if (word == "what" || word == "which") {
      // The first two words after the question word that are not fillers ("the", "kind of").
      int looked = 0;
      for (std::size_t j = i + 1; j < tokens.size() && looked < 2; ++j) {
        const auto& next = tokens[j].lower;
        if (kSkipped.count(next)) continue;
        ++looked;
        if (kTimeNouns.count(next)) return AnswerKind::time;
        if (kQuantityNouns.count(next)) return AnswerKind::quantity;
        if (kPlaceNouns.count(next)) return AnswerKind::place;
        if (kPersonNouns.count(next)) return AnswerKind::person;
      }
      return AnswerKind::any;
    }
  }
  return AnswerKind::any;
}

double kind_evidence(AnswerKind kind, std::string_view sentence, const std::set<std::string>& question_terms) {
  if (kind == AnswerKind::any) return 0;
  auto tokens = tokens_of(sentence);
  switch (kind) {
    case AnswerKind::time: return time_evidence(tokens, question_terms);
    case AnswerKind::quantity: return quantity_evidence(tokens, question_terms);
    case AnswerKind::person: return name_evidence(tokens, question_terms, false);
    case AnswerKind::place: return name_evidence(tokens, question_terms, true);
    case AnswerKind::any: break;
  }
  return 0;
}

}  // namespace docent::retrieval
