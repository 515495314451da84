#pragma once
// What kind of thing a question asks for, read from its question words ("when" -> a time,
// "how many" -> a quantity, "who" -> a name, "where" -> a place), and whether a sentence holds
// such a thing that the question does not already name.
#include <set>
#include <string>
#include <string_view>

namespace docent::retrieval {

enum class AnswerKind { any, time, quantity, person, place };
std::string_view to_string(AnswerKind kind);

AnswerKind answer_kind(std::string_view question);

// 0 when the sentence holds nothing of that kind beyond the question's own words
// (`question_terms`, as content_terms gives them); up to 1 the more clearly it does (for a
// quantity: a number next to the noun the question counts, "23 cars"; for a person: a full name).
double kind_evidence(AnswerKind kind, std::string_view sentence, const std::set<std::string>& question_terms);

}  // namespace docent::retrieval
