# embed.cmake - writes the web console's files (DIR/NAME for each NAME in
# the comma-separated NAMES) into OUT as C arrays and the table console.h
# declares:
#   const struct console_asset console_assets[] = {{"index.html", data, len}, ..., {0}};
# Run by emulator/CMakeLists.txt at build time (cmake -P): the files stay
# plain HTML, CSS and JavaScript in the repository.
string(REPLACE "," ";" names "${NAMES}")
set(out "/* Generated from ${DIR} by embed.cmake; do not edit. */\n#include \"console.h\"\n\n")
set(table "const struct console_asset console_assets[] = {\n")
set(i 0)
foreach(name IN LISTS names)
  file(READ "${DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" nhex)
  math(EXPR len "${nhex} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
         "\\1\n" bytes "${bytes}")
  string(APPEND out "static const unsigned char asset_${i}[] = {\n${bytes}0};\n")
  string(APPEND table "    {\"${name}\", asset_${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "    {0, 0, 0},\n};\n")
file(WRITE "${OUT}" "${out}\n${table}")
