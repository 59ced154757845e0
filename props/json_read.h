// A small JSON reader for the lines the guest oracle prints. It accepts the
// whole JSON grammar but keeps numbers as doubles and int64s, which is all
// the oracle's counters need.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace memhp {

struct Json {
  using Object = std::map<std::string, Json>;
  using Array = std::vector<Json>;
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v = nullptr;

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v); }
  const Json* get(const std::string& key) const;  // nullptr if absent or not an object
  std::optional<std::int64_t> integer() const;
  std::optional<std::string> string() const;
  const Object* object() const;
};

// Parses one JSON value; an error message instead when the text is not JSON.
std::variant<Json, std::string> parse_json(const std::string& text);

}  // namespace memhp
