#pragma once
// Where the octets of a message come from while it goes out: read in pieces, so that a
// message is never held whole in memory by the session that sends it.

#include "WireEncoding.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

namespace outpost {

/// Octets read from a message source at a time: what a transaction holds of its message
/// besides what the socket buffers.
inline constexpr qint64 kMessagePieceOctets = 64 * 1024;

/// The RFC 5322 octets of one message, read by offset. A transaction reads its message from
/// the start every time it runs (a resend reads again), so a source is read as often as
/// needed. Used from one thread.
class MessageSource
{
public:
    virtual ~MessageSource() = default;
    /// Octets of the message.
    virtual qint64 size() const = 0;
    /// Reads up to `maxOctets` octets at `offset` into `buffer` and returns how many (0 only at
    /// or past the end). -1 when the octets cannot be read (the store is damaged or the
    /// message is gone): *error says why, in technical words for the log and the history; the
    /// transaction ends with class ErrorClass::Storage and the message stays queued.
    virtual qint64 read(qint64 offset, char *buffer, qint64 maxOctets, QString *error) = 0;
};

/// A message held in memory (tests, the connection test, messages not from the outbox).
class MemoryMessageSource final : public MessageSource
{
public:
    /// Reads from `bytes` (shared, not copied).
    explicit MemoryMessageSource(QByteArray bytes)
        : m_bytes(std::move(bytes))
    {}
    qint64 size() const override { return m_bytes.size(); }
    qint64 read(qint64 offset, char *buffer, qint64 maxOctets, QString *error) override;

private:
    QByteArray m_bytes;
};

/// Reads `source` piece by piece (kMessagePieceOctets) and returns its WireShape, or nothing
/// with *error when a piece cannot be read. Holds one piece at a time.
std::optional<WireShape> scanMessage(MessageSource &source, QString *error);
/// The whole message read from `source` (nothing with *error when it cannot be read): for
/// tests and for small messages only, never on the sending path.
std::optional<QByteArray> readWholeMessage(MessageSource &source, QString *error);

} // namespace outpost
