#include <dlbad/body_framer.h>

#include <algorithm>

namespace dlba::dlbad {

BodyFramer::Result BodyFramer::feed(std::string_view data, ByteSink* out)
{
    switch (framing_.kind) {
    case BodyKind::kNone:
        return Result{0, true, 0, {}};
    case BodyKind::kContentLength: {
        const std::uint64_t take = std::min<std::uint64_t>(remaining_, data.size());
        remaining_ -= take;
        consumed_ += take;
        done_ = remaining_ == 0;
        if (out && take)
            out->put(data.substr(0, static_cast<std::size_t>(take)));
        return Result{static_cast<std::size_t>(take), done_, 0, {}};
    }
    case BodyKind::kChunked: {
        Result r;
        if (chunked_.output() != ChunkedOutput::kNone) {
            r = chunked_.feed(data, out);
        } else {
            r = chunked_.feed(data);
            if (out && r.consumed)
                out->put(data.substr(0, r.consumed));
        }
        consumed_ += r.consumed;
        done_ = r.done();
        return r;
    }
    case BodyKind::kUntilClose:
    case BodyKind::kTunnel:
        consumed_ += data.size();
        if (out && !data.empty())
            out->put(data);
        return Result{data.size(), false, 0, {}};
    }
    return Result{0, false, 0, {}};
}

bool BodyFramer::finish_on_eof() noexcept
{
    if (done())
        return true;
    if (framing_.kind == BodyKind::kUntilClose || framing_.kind == BodyKind::kTunnel) {
        done_ = true;
        return true;
    }
    return false;
}

} // namespace dlba::dlbad
