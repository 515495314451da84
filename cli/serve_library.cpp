// The library's own endpoints: POST /v1/search, POST /v1/ask, GET /v1/documents and
// GET /v1/passages/{chunk_id}, answering in the shapes of the CLI's --json.
#include "answer_print.hpp"
#include "serve_handlers.hpp"

namespace docent::cli {

using nlohmann::json;

namespace {
const LibraryService& library_of(const ServeContext& context) {
  if (context.library == nullptr)
    throw ApiError(404, "not_found_error", "This server has no library (start it after `docent ingest PATH`).", "",
                   "no_library");
  return *context.library;
}
}  // namespace

HttpResponse library_search(const ServeContext& context, const HttpRequest& request, const Note& note) {
  const auto& library = library_of(context);
  const SearchParams params = parse_search_params(parse_json_object(request.body));
  json result = library.search(params);
  note->text = result["mode"].get<std::string>() + " search, " + std::to_string(result["results"].size()) + " results";
  return json_response(200, result);
}

HttpResponse library_ask(const ServeContext& context, const HttpRequest& request, const Note& note) {
  const auto& library = library_of(context);
  const AskParams params = parse_ask_params(parse_json_object(request.body));
  auto generation = params.extractive ? std::nullopt : answer_generation(context, {}, {}, {}, {});
  auto turn = join_queue(generation ? context.models->answer_model() : nullptr);
  // Run as the body is written, so a generation stops when the client leaves.
  HttpResponse response;
  response.stream = [&library, params, generation, turn, note](const std::function<bool(std::string_view)>& write) mutable {
    if (generation && !turn->wait([&] { return write(""); })) {
      note->text = "ask: the client left while waiting for the model";
      return;
    }
    if (generation) generation->keep_going = [&] { return write(""); };
    retrieval::Answer answer = library.ask(params, generation);
    note->text = std::string("ask: ") + (answer.extractive ? "extractive" : "generated") + ", " +
                 std::to_string(answer.citations.size()) + " citations" + (answer.found ? "" : ", nothing found");
    if (answer.generation && answer.generation->answer_stop == "cancelled") {
      note->text += " (the client left)";
      return;
    }
    json body = answer_json(answer);
    body["question"] = params.question;
    write(dump_json(body));
  };
  return response;
}

HttpResponse library_documents(const ServeContext& context, const Note& note) {
  json rows = library_of(context).documents();
  note->text = std::to_string(rows.size()) + " documents";
  return json_response(200, rows);
}

HttpResponse library_passage(const ServeContext& context, const std::string& id, const Note& note) {
  const auto& library = library_of(context);
  std::int64_t chunk_id = 0;
  try {
    std::size_t used = 0;
    chunk_id = std::stoll(id, &used);
    if (used != id.size() || chunk_id <= 0) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    throw invalid_request("A passage id is a positive integer (the chunk_id search returns), not '" + id + "'.", "chunk_id");
  }
  auto passage = library.passage(chunk_id);
  if (!passage)
    throw ApiError(404, "not_found_error", "No passage " + id + " in the library.", "chunk_id", "passage_not_found");
  note->text = "passage " + id;
  return json_response(200, *passage);
}

}  // namespace docent::cli
