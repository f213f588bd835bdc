#pragma once

#include <QByteArray>
#include <QString>

namespace outpost::mime {

/// The decoded (RFC 2047) Subject of an RFC 5322 message, for listings; empty when the
/// message has none or cannot be parsed. Only the header is read.
QString decodedSubject(const QByteArray &message);

} // namespace outpost::mime
