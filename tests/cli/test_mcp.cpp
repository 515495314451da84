// `docent mcp` driven by the official MCP TypeScript SDK over stdio: initialize (the SDK's own
// protocol revision), the tools and their schemas, search with file and page, a passage, the
// documents, an answer with citations, errors, and the documents as resources.
#include "serve_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

TEST(McpClient, OfficialSdkInitializesListsToolsSearchesAndReadsDocuments) {
  if (auto missing = docent::test::npm_clients_missing()) GTEST_SKIP() << *missing;
  docent::test::TempDir home;
  const fs::path library = home.path() / "library";
  auto ingest = docent::test::run_docent(library, "-q ingest " + docent::test::shell_quote((docent::test::source_dir() / "samples").string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;

  auto run = docent::test::run_client("mcp_client.mjs", {docent::test::docent_binary().string(), library.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  ASSERT_FALSE(run.json.is_discarded()) << run.out;
  const json& out = run.json;

  // The server speaks the revision the SDK itself asks for first.
  EXPECT_EQ(out["initialize"]["protocolVersion"], out["sdk_protocol_version"]);
  EXPECT_EQ(out["server"]["name"], "docent");

  std::vector<std::string> names;
  for (const auto& tool : out["tools"]) {
    names.push_back(tool["name"]);
    EXPECT_EQ(tool["input"]["type"], "object") << tool;
    EXPECT_TRUE(tool["has_output_schema"].get<bool>()) << tool;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"search", "ask", "list_documents", "get_passage"}));
  EXPECT_EQ(out["tools"][0]["input"]["required"], json({"query"}));

  // search: the same results `docent search --json` gives, each with file and page.
  const json& search = out["search"]["structured"];
  ASSERT_FALSE(search["results"].empty()) << out["search"];
  const json& top = search["results"][0];
  EXPECT_NE(top["path"].get<std::string>().find("tarrow-point-light.pdf"), std::string::npos) << top;
  EXPECT_GE(top["first_page"].get<int>(), 1);
  auto cli = docent::test::run_docent(library, "--json search -k 3 Tarrow Point Light");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(search["results"], json::parse(cli.out)["results"]);
  EXPECT_EQ(json::parse(out["search"]["text"].get<std::string>()), search);  // the text block carries the same JSON

  // get_passage: the first hit in full, as `docent passage --json` prints it.
  auto passage = docent::test::run_docent(library, "--json passage " + std::to_string(top["chunk_id"].get<long long>()));
  ASSERT_EQ(passage.exit_code, 0) << passage.err;
  EXPECT_EQ(out["passage"], json::parse(passage.out));
  EXPECT_EQ(out["passage"]["path"], top["path"]);

  auto list = docent::test::run_docent(library, "--json list");
  EXPECT_EQ(out["documents"], json::parse(list.out));

  EXPECT_TRUE(out["ask"]["found"].get<bool>()) << out["ask"];
  ASSERT_FALSE(out["ask"]["citations"].empty());
  EXPECT_NE(out["ask"]["answer"].get<std::string>().find("1871"), std::string::npos);

  // A wrong argument is the tool's error (the model can read and correct it); an unknown tool
  // is a protocol error.
  EXPECT_TRUE(out["bad_arguments"]["isError"].get<bool>());
  EXPECT_NE(out["bad_arguments"]["text"].get<std::string>().find("limit"), std::string::npos) << out["bad_arguments"];
  EXPECT_TRUE(out["unknown_tool"]["thrown"].get<bool>());
  EXPECT_EQ(out["unknown_tool"]["code"], -32602);

  // Every document is a resource; reading one gives its pages.
  EXPECT_EQ(out["resources"].size(), out["documents"].size());
  ASSERT_TRUE(out.contains("read")) << out["resources"];
  EXPECT_GE(out["read"]["pages"].get<int>(), 1);
  EXPECT_EQ(out["read"]["first"]["mimeType"], "text/plain");
  EXPECT_EQ(out["read"]["first"]["_meta"]["page"], 1);
  EXPECT_FALSE(out["read"]["first"]["text"].get<std::string>().empty());
  EXPECT_TRUE(out["missing_resource"]["thrown"].get<bool>());
  EXPECT_EQ(out["missing_resource"]["code"], -32002);
  EXPECT_NE(out["stderr"].get<std::string>().find("docent mcp: serving"), std::string::npos);
}

TEST(McpClient, NoLibraryIsAOneLineErrorNotAHangingServer) {
  docent::test::TempDir home;
  auto run = docent::test::run_cli("--library " + docent::test::shell_quote((home.path() / "none").string()) + " mcp");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no library at"), std::string::npos) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST(McpClient, OfficialSdkOverStreamableHttpReachesTheSameToolsOnServe) {
  if (auto missing = docent::test::npm_clients_missing()) GTEST_SKIP() << *missing;
  docent::test::TempDir home;
  const fs::path library = home.path() / "library";
  auto ingest = docent::test::run_docent(library, "-q ingest " + docent::test::shell_quote((docent::test::source_dir() / "samples").string()));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  docent::test::ServeProcess server({"--library", library.string()}, {});
  ASSERT_TRUE(server.listening()) << server.log();
  std::string url = server.base_url();
  url.replace(url.size() - 3, 3, "/mcp");  // http://127.0.0.1:PORT/mcp
  auto run = docent::test::run_client("mcp_http_client.mjs", {url});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out << server.log();
  EXPECT_EQ(run.json["server"]["name"], "docent");
  EXPECT_EQ(run.json["tools"], json({"search", "ask", "list_documents", "get_passage"}));
  ASSERT_FALSE(run.json["search"]["results"].empty());
  EXPECT_NE(run.json["search"]["results"][0]["path"].get<std::string>().find("brennmoor-tramways.pdf"), std::string::npos);
  EXPECT_TRUE(run.json["ask"]["found"].get<bool>()) << run.json["ask"];
  EXPECT_NE(run.json["ask"]["answer"].get<std::string>().find("1974"), std::string::npos) << run.json["ask"];
  EXPECT_GE(run.json["resources"].get<int>(), 3);
  auto finished = server.stop();
  EXPECT_NE(finished.err.find("POST /mcp 200"), std::string::npos) << finished.err;
  EXPECT_NE(finished.err.find("POST /mcp 202"), std::string::npos) << finished.err;  // notifications/initialized
}
