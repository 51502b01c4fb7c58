#include "json.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(JsonQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_quote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_quote(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(json_quote("/"), "\"/\"");
  EXPECT_EQ(json_quote("\x7f"), "\"\x7f\"");
}

TEST(JsonQuote, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_quote("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(json_quote("\xc3"), "\"\\ufffd\"");                        // truncated
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
}

TEST(JsonInteger, OnlyPlainIntegers) {
  EXPECT_TRUE(is_json_integer("0"));
  EXPECT_TRUE(is_json_integer("-12"));
  EXPECT_TRUE(is_json_integer("18446744073709551615"));
  EXPECT_FALSE(is_json_integer(""));
  EXPECT_FALSE(is_json_integer("-"));
  EXPECT_FALSE(is_json_integer("007"));
  EXPECT_FALSE(is_json_integer("1.5"));
  EXPECT_FALSE(is_json_integer("none"));
  EXPECT_FALSE(is_json_integer("+1"));
}

TEST(JsonWriter, PlacesCommasAndColons) {
  JsonWriter w;
  w.begin_object();
  w.key("a").number(1);
  w.key("b").begin_array().string("x").boolean(true).null().begin_object().end_object().end_array();
  w.key("c").begin_object().key("d").raw_number("-3").end_object();
  w.end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",true,null,{}],"c":{"d":-3}})");
}

TEST(JsonWriter, EmptyContainers) {
  JsonWriter w;
  w.begin_array().begin_array().end_array().begin_object().end_object().end_array();
  EXPECT_EQ(w.str(), "[[],{}]");
}

}  // namespace
}  // namespace structops
