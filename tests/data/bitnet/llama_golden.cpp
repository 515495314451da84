// Reference outputs for the BitNet fixtures from llama.cpp or ik_llama.cpp (built outside this
// repository; see README.md). For each token sequence on the command line ("1,50,299,..."): the 8 highest logits
// at every position and a 32-token greedy continuation, as JSON on stdout.
//   llama_golden MODEL.gguf TOKENS [TOKENS...]
#include <llama.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<llama_token> parse_tokens(const std::string& text) {
  std::vector<llama_token> tokens;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) tokens.push_back(static_cast<llama_token>(std::stoi(item)));
  return tokens;
}

std::vector<int> top_ids(const float* logits, int vocabulary, int count) {
  std::vector<int> ids(static_cast<std::size_t>(vocabulary));
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + count, ids.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  ids.resize(static_cast<std::size_t>(count));
  return ids;
}

void decode(llama_context* context, const std::vector<llama_token>& tokens, int first_position, bool all_logits) {
  llama_batch batch = llama_batch_init(static_cast<int>(tokens.size()), 0, 1);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = first_position + static_cast<int>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = all_logits || i + 1 == tokens.size();
  }
  batch.n_tokens = static_cast<int>(tokens.size());
  if (llama_decode(context, batch) != 0) {
    std::fprintf(stderr, "llama_decode failed\n");
    std::exit(1);
  }
  llama_batch_free(batch);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.gguf TOKENS [TOKENS...]\n", argv[0]);
    return 2;
  }
  llama_backend_init();
  llama_model_params model_params = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(argv[1], model_params);
  if (model == nullptr) return 1;
  const int vocabulary = llama_vocab_n_tokens(llama_model_get_vocab(model));
  std::string name = argv[1];
  name = name.substr(name.find_last_of('/') + 1);
  std::printf("[");
  for (int c = 2; c < argc; ++c) {
    llama_context_params params = llama_context_default_params();
    params.n_ctx = 256;
    params.n_batch = 256;
    params.n_threads = 2;
    params.n_threads_batch = 2;
    llama_context* context = llama_init_from_model(model, params);
    const auto tokens = parse_tokens(argv[c]);
    decode(context, tokens, 0, true);
    std::printf("%s{\"model\": \"%s\", \"prompt\": \"tokens %s\", \"add_bos\": false, \"n_vocab\": %d, \"tokens\": [", c > 2 ? ", " : "",
                name.c_str(), argv[c], vocabulary);
    for (std::size_t i = 0; i < tokens.size(); ++i) std::printf("%s%d", i ? ", " : "", tokens[i]);
    std::printf("], \"prompt_top\": [");
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const float* logits = llama_get_logits_ith(context, static_cast<int>(i));
      std::printf("%s[", i ? ", " : "");
      const auto ids = top_ids(logits, vocabulary, 8);
      for (std::size_t k = 0; k < ids.size(); ++k) std::printf("%s[%d, %.9g]", k ? ", " : "", ids[k], logits[ids[k]]);
      std::printf("]");
    }
    std::printf("], \"greedy\": [");
    int position = static_cast<int>(tokens.size());
    for (int step = 0; step < 32; ++step) {
      const float* logits = llama_get_logits_ith(context, -1);
      const llama_token next = top_ids(logits, vocabulary, 1)[0];
      std::printf("%s%d", step ? ", " : "", next);
      decode(context, {next}, position++, false);
    }
    std::printf("], \"greedy_text\": \"\"}");
    llama_free(context);
  }
  std::printf("]\n");
  return 0;  // the model is left to process exit (the call's name differs between llama.cpp and ik_llama.cpp)
}
