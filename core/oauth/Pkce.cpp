#include "Pkce.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QRandomGenerator>

#include <algorithm>

namespace outpost {

namespace {

constexpr auto kBase64Url = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

QByteArray randomBytes(qsizetype count)
{
    QByteArray out(count, Qt::Uninitialized);
    QRandomGenerator *rng = QRandomGenerator::system();
    for (qsizetype i = 0; i < count; ++i)
        out[i] = char(rng->bounded(256));
    return out;
}

} // namespace

QString pkceVerifier(int length)
{
    length = std::clamp(length, kPkceVerifierMinLength, kPkceVerifierMaxLength);
    // Every 3 random bytes give 4 characters; the few extra characters are cut off.
    const QByteArray encoded = randomBytes((length * 3 + 3) / 4).toBase64(kBase64Url);
    return QString::fromLatin1(encoded.left(length));
}

QString pkceChallenge(const QString &verifier)
{
    const QByteArray digest =
        QCryptographicHash::hash(verifier.toLatin1(), QCryptographicHash::Sha256);
    return QString::fromLatin1(digest.toBase64(kBase64Url));
}

QString oauthState()
{
    return QString::fromLatin1(randomBytes(32).toBase64(kBase64Url));
}

} // namespace outpost
