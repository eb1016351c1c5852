// libFuzzer target: a configuration push message as a member of the CPG group may send it
// (dlba-arrayd's ConfigMessage::decode).  Anything may be refused; nothing may crash, hang or
// allocate without bound, and what is accepted encodes back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config_push/config_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto m = dlba::arrayd::ConfigMessage::decode(in);
    if (m && m->encode() != in)
        std::abort();
    return 0;
}
