#include "common/yaml_json.h"

#include <string>

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
