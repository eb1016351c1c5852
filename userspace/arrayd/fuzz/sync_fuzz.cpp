// libFuzzer target: bytes from the CPG group as dlba-arrayd decodes a bucket-table sync message
// or a snapshot request.  Anything may be refused with SyncFormatError; nothing may crash, hang
// or allocate without bound, and whatever is accepted encodes back to the same bytes.
#include "sync/sync_message.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        if (dlba::arrayd::SyncMessage::is_request(bytes)) {
            if (dlba::arrayd::SyncRequest::decode(bytes).encode() != bytes)
                std::abort();
        } else {
            auto m = dlba::arrayd::SyncMessage::decode(bytes);
            if (m.encode() != bytes)
                std::abort();
        }
    } catch (const dlba::arrayd::SyncFormatError&) {}
    return 0;
}
