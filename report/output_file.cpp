#include "output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace memhp {

std::string write_output_file(const std::string& path, std::string_view text) {
  // stdio rather than iostreams: an ofstream loses errno, and ENOSPC or EIO
  // may only show at fclose().
  std::FILE* f = std::fopen(path.c_str(), "wb");
  int e = f ? 0 : errno;
  if (f) {
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) e = errno ? errno : EIO;
    if (std::fclose(f) != 0 && !e) e = errno ? errno : EIO;
  }
  if (!e) return "";
  return "cannot write '" + path + "': " + std::strerror(e);
}

}  // namespace memhp
