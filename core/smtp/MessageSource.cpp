#include "MessageSource.h"

#include <algorithm>
#include <cstring>

namespace outpost {

qint64 MemoryMessageSource::read(qint64 offset, char *buffer, qint64 maxOctets, QString *error)
{
    Q_UNUSED(error);
    if (offset < 0 || maxOctets < 0)
        return 0;
    const qint64 n = std::max<qint64>(0, std::min(maxOctets, m_bytes.size() - offset));
    if (n > 0)
        std::memcpy(buffer, m_bytes.constData() + offset, size_t(n));
    return n;
}

namespace {
/// Calls `piece(data, size)` for every piece of `source`; false with *error when a read fails
/// or the source ends before its size.
template <typename Piece> bool forEachPiece(MessageSource &source, QString *error, Piece piece)
{
    const qint64 size = source.size();
    QByteArray buffer(qsizetype(std::min(kMessagePieceOctets, std::max<qint64>(size, 1))),
                      Qt::Uninitialized);
    for (qint64 offset = 0; offset < size;) {
        const qint64 n = source.read(offset, buffer.data(),
                                     std::min<qint64>(buffer.size(), size - offset), error);
        if (n < 0)
            return false;
        if (n == 0) {
            *error =
                QStringLiteral("the message ended after %1 of its %2 octets").arg(offset).arg(size);
            return false;
        }
        piece(buffer.constData(), qsizetype(n));
        offset += n;
    }
    return true;
}
} // namespace

std::optional<WireShape> scanMessage(MessageSource &source, QString *error)
{
    WireEncoder e(WireForm::Data);
    if (!forEachPiece(source, error, [&e](const char *p, qsizetype n) { e.encode(p, n, nullptr); }))
        return std::nullopt;
    e.finish(nullptr);
    return e.shape();
}

std::optional<QByteArray> readWholeMessage(MessageSource &source, QString *error)
{
    QByteArray all;
    all.reserve(qsizetype(source.size()));
    if (!forEachPiece(source, error, [&all](const char *p, qsizetype n) { all.append(p, n); }))
        return std::nullopt;
    return all;
}

} // namespace outpost
