# embed.cmake - writes the file IN as a C array into OUT:
#   const unsigned char lambda_node_client[]; const unsigned long lambda_node_client_len;
# Run by emulator/CMakeLists.txt at build time (cmake -P).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR len "${nhex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by embed.cmake; do not edit. */\n"
                    "const unsigned char lambda_node_client[] = {\n${bytes}0};\n"
                    "const unsigned long lambda_node_client_len = ${len};\n")
