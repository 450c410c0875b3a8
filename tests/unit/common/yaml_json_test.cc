#include "common/yaml_json.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace ninevolt::common {
namespace {

nlohmann::json yaml(const std::string& text) {
  auto r = parseYaml(text);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : nlohmann::json();
}

TEST(YamlJson, QuotedScalarsStayStrings) {
  auto j = yaml("a: \"80\"\nb: '80'\nc: \"true\"\nd: 'null'\ne: \"1.5\"\n");
  EXPECT_EQ(j["a"], "80");
  EXPECT_EQ(j["b"], "80");
  EXPECT_EQ(j["c"], "true");
  EXPECT_EQ(j["d"], "null");
  EXPECT_EQ(j["e"], "1.5");
}

TEST(YamlJson, PlainScalarsFollowTheCoreSchema) {
  auto j = yaml(
      "int: 80\nneg: -3\nhex: 0x1F\nfloat: 1.5\nyes_word: yes\nt: true\nf: False\n"
      "n: null\ntilde: ~\nempty:\ntext: hello world\ndur: 10s\n");
  EXPECT_TRUE(j["int"].is_number_integer());
  EXPECT_EQ(j["int"], 80);
  EXPECT_EQ(j["neg"], -3);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_TRUE(j["float"].is_number_float());
  EXPECT_DOUBLE_EQ(j["float"].get<double>(), 1.5);
  EXPECT_EQ(j["yes_word"], "yes");  // YAML 1.2: not a boolean
  EXPECT_EQ(j["t"], true);
  EXPECT_EQ(j["f"], false);
  EXPECT_TRUE(j["n"].is_null());
  EXPECT_TRUE(j["tilde"].is_null());
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_EQ(j["text"], "hello world");
  EXPECT_EQ(j["dur"], "10s");
}

TEST(YamlJson, NestedMapsAndLists) {
  auto j = yaml(
      "monitor:\n"
      "  web:\n"
      "    tags: [a, \"b\", 3]\n"
      "    headers:\n"
      "      X-A: one\n"
      "    list:\n"
      "      - {k: v}\n"
      "      - [1, 2]\n");
  auto expected = nlohmann::json::parse(R"({"monitor":{"web":{
      "tags":["a","b",3], "headers":{"X-A":"one"}, "list":[{"k":"v"},[1,2]]}}})");
  EXPECT_EQ(j, expected);
}

TEST(YamlJson, DuplicateKeysAreAnError) {
  auto r = parseYaml("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("duplicate key \"a\""), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;

  auto nested = parseYaml("m:\n  x:\n    k: 1\n    k: 2\n");
  EXPECT_FALSE(nested);
}

TEST(YamlJson, SyntaxErrorsCarryPosition) {
  auto r = parseYaml("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line"), std::string::npos) << r.error().message;
}

TEST(YamlJson, EmptyDocumentIsNull) {
  EXPECT_TRUE(yaml("").is_null());
}

TEST(YamlJson, SameAsJson) {
  auto y = yaml("a: 1\nb: [x, 2.5, false]\nc: {d: \"e\"}\n");
  auto j = parseJson(R"({"a":1,"b":["x",2.5,false],"c":{"d":"e"}})");
  ASSERT_TRUE(j);
  EXPECT_EQ(y, *j);
}

TEST(YamlJson, JsonErrors) {
  auto r = parseJson("{\"a\":");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("JSON error"), std::string::npos);
}

TEST(YamlJson, TypeNames) {
  EXPECT_STREQ(jsonTypeName(nlohmann::json("x")), "string");
  EXPECT_STREQ(jsonTypeName(nlohmann::json(1)), "integer");
  EXPECT_STREQ(jsonTypeName(nlohmann::json(1u)), "integer");
  EXPECT_STREQ(jsonTypeName(nlohmann::json(1.5)), "number");
  EXPECT_STREQ(jsonTypeName(nlohmann::json(true)), "boolean");
  EXPECT_STREQ(jsonTypeName(nlohmann::json::array()), "list");
  EXPECT_STREQ(jsonTypeName(nlohmann::json::object()), "map");
  EXPECT_STREQ(jsonTypeName(nlohmann::json()), "null");
}

}  // namespace
}  // namespace ninevolt::common

// Issue 11: untrusted YAML and JSON are bounded while they are parsed.
namespace ninevolt::common {
namespace {

std::string nested(const std::string& open, const std::string& close, size_t depth,
                   const std::string& inner = "1") {
  std::string out;
  for (size_t i = 0; i < depth; ++i) {
    out += open;
  }
  out += inner;
  for (size_t i = 0; i < depth; ++i) {
    out += close;
  }
  return out;
}

std::string errorOf(const Result<nlohmann::json>& r) {
  return r ? std::string("(parsed)") : r.error().message;
}

TEST(JsonLimits, DeepNestingIsAnErrorNotACrash) {
  // 100,000 levels killed a member (recursion in nlohmann's copy).
  auto deep = parseJson(nested("{\"a\":", "}", 100'000));
  ASSERT_FALSE(deep);
  EXPECT_NE(errorOf(deep).find("nested deeper than 64 levels"), std::string::npos) << errorOf(deep);
  EXPECT_FALSE(parseJson(nested("[", "]", 400'000)));
  EXPECT_TRUE(parseJson(nested("[", "]", ParseLimits::kMaxDepth)));
  EXPECT_FALSE(parseJson(nested("[", "]", ParseLimits::kMaxDepth + 1)));
}

TEST(JsonLimits, DuplicateKeysAreAnErrorAtAnyDepth) {
  auto r = parseJson(R"({"a":1,"a":2})");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("duplicate key \"a\""), std::string::npos) << errorOf(r);
  EXPECT_FALSE(parseJson(R"({"x":{"k":1,"k":1}})"));
  EXPECT_TRUE(parseJson(R"({"x":{"k":1},"y":{"k":1}})"));  // same key in two objects is fine
}

TEST(JsonLimits, NumbersOutOfRangeAreErrorsNotExceptions) {
  for (const char* text : {R"({"port":1e999})", R"({"port":-1e999})", "1e400"}) {
    auto r = parseJson(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(errorOf(r).find("number overflow"), std::string::npos) << errorOf(r);
  }
}

TEST(JsonLimits, InvalidUtf8IsAnErrorWithAPrintableMessage) {
  auto r = parseJson("{\"a\":\"\xff\xfe\"}");
  ASSERT_FALSE(r);
  EXPECT_NO_THROW((void)nlohmann::json(errorOf(r)).dump()) << errorOf(r);
  EXPECT_NE(errorOf(r).find("\\xff"), std::string::npos) << errorOf(r);
}

TEST(JsonLimits, DumpJsonNeverThrowsOnBytesFromOutside) {
  nlohmann::json j = {{"key\xff", "value\x01\xfe"}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  std::string text = dumpJson(j);
  EXPECT_NE(text.find("\\u0001"), std::string::npos) << text;
  EXPECT_TRUE(parseJson(text)) << text;
}

TEST(YamlLimits, NumbersThatDoNotFitStayTextAndNeverAbort) {
  for (const char* v :
       {"1e999", "1e-999", "-1e999", "0xFFFFFFFFFFFFFFFFFFFFFF", "99999999999999999999999"}) {
    auto r = parseYaml(std::string("port: ") + v + "\n");
    ASSERT_TRUE(r) << v << ": " << errorOf(r);
    EXPECT_EQ((*r)["port"], v);
  }
  auto ok = parseYaml("a: +5\nb: .5\nc: -1.5e3\nd: 0x10\n");
  ASSERT_TRUE(ok) << errorOf(ok);
  EXPECT_EQ((*ok)["a"], 5);
  EXPECT_DOUBLE_EQ((*ok)["b"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ((*ok)["c"].get<double>(), -1500.0);
  EXPECT_EQ((*ok)["d"], 16);
}

TEST(YamlLimits, AHugePlainScalarIsTextNotARegexRecursion) {
  std::string digits(300'000, '7');
  auto r = parseYaml("a: " + digits + "\n");
  ASSERT_TRUE(r) << errorOf(r);
  EXPECT_EQ((*r)["a"], digits);
}

TEST(YamlLimits, InvalidUtf8IsAnErrorNamingLineAndPath) {
  auto r = parseYaml("monitor:\n  web:\n    description: \"\xff\xfe\"\n");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("line 3"), std::string::npos) << errorOf(r);
  EXPECT_NE(errorOf(r).find("monitor.web.description"), std::string::npos) << errorOf(r);
  EXPECT_NE(errorOf(r).find("UTF-8"), std::string::npos) << errorOf(r);
  EXPECT_FALSE(parseYaml("k\xff: 1\n"));                          // in a key too
  EXPECT_TRUE(parseYaml("caf\xc3\xa9: \"\\xff is \\u00ff\"\n"));  // escapes are characters
}

TEST(YamlLimits, AQuoteNeverClosedIsAnError) {
  auto r = parseYaml("monitor:\n  a:\n    type: \"tcp\n    host: x\n");
  ASSERT_FALSE(r) << (*r).dump();
  EXPECT_NE(errorOf(r).find("never closed"), std::string::npos) << errorOf(r);
  EXPECT_NE(errorOf(r).find("monitor.a.type"), std::string::npos) << errorOf(r);
  EXPECT_FALSE(parseYaml("a: 'abc\n"));
  auto fine = parseYaml("a: 'it''s'\nb: \"q\\\"x\"\nc: |\n  \"open\n");
  ASSERT_TRUE(fine) << errorOf(fine);
  EXPECT_EQ((*fine)["a"], "it's");
  EXPECT_EQ((*fine)["b"], "q\"x");
}

TEST(YamlLimits, ASecondDocumentIsAnErrorNotDropped) {
  auto r = parseYaml("a: 1\n---\nb: 2\n");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("second YAML document"), std::string::npos) << errorOf(r);
  EXPECT_NE(errorOf(r).find("line 3"), std::string::npos) << errorOf(r);
  // Document markers around one document are fine.
  EXPECT_TRUE(parseYaml("---\na: 1\n---\n"));
  EXPECT_TRUE(parseYaml("a: 1\n...\n"));
}

// yaml-cpp 0.7 returns an empty document for a stray ',' at the top level without moving on:
// YAML::LoadAll looped for ever (found by the yaml_json fuzz target) and YAML::Load took the
// file as empty.
TEST(YamlLimits, AStrayFlowIndicatorIsAnErrorNotAHang) {
  for (const char* text : {",", ",\n", ", [3, [4]]], {a: {b: : {b: {c: d}}}]", "a: 1\n---\n,\n"}) {
    auto r = parseYaml(text);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(errorOf(r).find("unexpected ','"), std::string::npos) << errorOf(r);
  }
  // An empty document before the one with content would be read as the empty one.
  auto r = parseYaml("---\n---\na: 1\n");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("empty YAML document"), std::string::npos) << errorOf(r);
}

TEST(YamlLimits, AliasExpansionIsBounded) {
  std::string laughs =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c, ++prev) {
    laughs += fmt::format("{0}: &{0} [*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1}]\n", c, prev);
  }
  auto r = parseYaml(laughs);  // 9^9 = 387 million strings if expanded
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("aliases"), std::string::npos) << errorOf(r);
  // Ordinary reuse of an anchor is fine.
  auto ok = parseYaml("x: &pd [pager, slack]\ny: *pd\nz: *pd\n");
  ASSERT_TRUE(ok) << errorOf(ok);
  EXPECT_EQ((*ok)["z"], (*ok)["x"]);
}

TEST(YamlLimits, DeepNestingIsAnErrorNamingTheLimit) {
  auto r = parseYaml("a: " + nested("[", "]", 70) + "\n");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("nested deeper than 64 levels"), std::string::npos) << errorOf(r);
  auto very = parseYaml("a: " + nested("[", "]", 5000) + "\n");  // yaml-cpp's own guard
  ASSERT_FALSE(very);
  EXPECT_NE(errorOf(very).find("nested too deep"), std::string::npos) << errorOf(very);
}

TEST(YamlLimits, AnOverlongKeySaysWhy) {
  auto r = parseYaml(std::string(10'000, 'x') + ": 1\n");
  ASSERT_FALSE(r);
  EXPECT_NE(errorOf(r).find("1024 characters"), std::string::npos) << errorOf(r);
}

}  // namespace
}  // namespace ninevolt::common
