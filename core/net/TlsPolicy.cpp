#include "TlsPolicy.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QSslSocket>

namespace outpost {

void applyTlsPolicy(QSslSocket *socket, const TlsPolicy &policy)
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!policy.extraCaCertificates.isEmpty()) {
        QList<QSslCertificate> cas = ssl.caCertificates();
        cas += policy.extraCaCertificates;
        ssl.setCaCertificates(cas);
    }
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    socket->setSslConfiguration(ssl);
    socket->setPeerVerifyName(policy.host);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
}

bool pinAcceptsPeer(const QSslSocket *socket, const TlsPolicy &policy)
{
    const QSslCertificate leaf = socket->peerCertificate();
    return !policy.pinSha256.isEmpty() && !leaf.isNull() &&
           leaf.digest(QCryptographicHash::Sha256) == policy.pinSha256;
}

QString pinRefusal(const QSslSocket *socket, const TlsPolicy &policy)
{
    if (policy.pinSha256.isEmpty())
        return {};
    const QSslCertificate leaf = socket->peerCertificate();
    if (!leaf.isNull() && leaf.digest(QCryptographicHash::Sha256) == policy.pinSha256)
        return {};
    return QStringLiteral("the server's certificate is not the one pinned for this account");
}

QList<QByteArray> peerChainPem(const QSslSocket *socket)
{
    QList<QByteArray> out;
    for (const QSslCertificate &c : socket->peerCertificateChain())
        out << c.toPem();
    return out;
}

QStringList sslErrorStrings(const QList<QSslError> &errors)
{
    QStringList why;
    for (const QSslError &e : errors)
        why << e.errorString();
    return why;
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress a(host);
    return !a.isNull() && a.isLoopback();
}

} // namespace outpost
