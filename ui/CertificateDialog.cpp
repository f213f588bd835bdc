#include "CertificateDialog.h"

#include "Icons.h"
#include "accounts/AccountStore.h"
#include "outbox/Service.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace outpost::ui {

namespace {
QString names(const QSslCertificate &c, bool issuer)
{
    QStringList parts;
    auto get = [&](QSslCertificate::SubjectInfo what) {
        return issuer ? c.issuerInfo(what) : c.subjectInfo(what);
    };
    for (auto what : {QSslCertificate::CommonName, QSslCertificate::Organization,
                      QSslCertificate::OrganizationalUnitName, QSslCertificate::CountryName}) {
        const QStringList v = get(what);
        if (!v.isEmpty())
            parts << v.join(QLatin1String(", "));
    }
    return parts.join(QLatin1String(" · "));
}
} // namespace

QString CertificateDialog::formatFingerprint(const QByteArray &digest)
{
    return QString::fromLatin1(digest.toHex(':').toUpper());
}

CertificateDialog::CertificateDialog(Service *service, const Notice &notice, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_account(notice.account)
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Server certificate not trusted"));
    setWindowIcon(Icons::app());
    resize(640, 480);

    for (const QByteArray &pem : notice.result.certificateChainPem) {
        const QList<QSslCertificate> certs = QSslCertificate::fromData(pem, QSsl::Pem);
        if (!certs.isEmpty()) {
            m_leaf = certs.first();
            break;
        }
    }

    auto *intro = new QLabel(
        tr("Outpost stopped sending from the account <b>%1</b> because the server's certificate "
           "is not trusted. Its messages are held. Only trust this certificate if you know it "
           "is the right one for this server (ask its administrator to compare the "
           "fingerprint).")
            .arg(m_account.toHtmlEscaped()),
        this);
    intro->setWordWrap(true);

    auto *form = new QFormLayout;
    auto row = [&](const QString &label, const QString &value) {
        auto *v = new QLabel(value, this);
        v->setWordWrap(true);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        v->setAccessibleName(label);
        form->addRow(label, v);
        return v;
    };
    if (m_leaf.isNull()) {
        row(tr("Certificate:"), tr("The server did not show a certificate that could be read."));
    } else {
        row(tr("Issued to:"), names(m_leaf, false));
        row(tr("Issued by:"), names(m_leaf, true));
        const QLocale loc;
        row(tr("Valid:"),
            tr("from %1 to %2")
                .arg(loc.toString(m_leaf.effectiveDate().toLocalTime(), QLocale::ShortFormat),
                     loc.toString(m_leaf.expiryDate().toLocalTime(), QLocale::ShortFormat)));
        QLabel *fp = row(tr("SHA-256 fingerprint:"),
                         formatFingerprint(m_leaf.digest(QCryptographicHash::Sha256)));
        fp->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        fp->setObjectName(QStringLiteral("fingerprint"));
        const auto alt = m_leaf.subjectAlternativeNames();
        QStringList dns;
        for (auto it = alt.cbegin(); it != alt.cend(); ++it)
            dns << it.value();
        if (!dns.isEmpty())
            row(tr("Names:"), dns.join(QLatin1String(", ")));
    }
    QStringList errors = notice.result.certificateErrors;
    if (errors.isEmpty() && !notice.result.detail.isEmpty())
        errors << notice.result.detail;
    auto *errorView = new QPlainTextEdit(errors.join(QLatin1Char('\n')), this);
    errorView->setReadOnly(true);
    errorView->setAccessibleName(tr("Why the certificate is not trusted"));
    errorView->setMaximumHeight(100);

    m_message->setWordWrap(true);
    m_message->setVisible(false);

    auto *buttons = new QDialogButtonBox(this);
    QPushButton *trustButton = buttons->addButton(tr("&Trust this certificate for this account"),
                                                  QDialogButtonBox::AcceptRole);
    trustButton->setObjectName(QStringLiteral("trustButton"));
    trustButton->setEnabled(!m_leaf.isNull());
    QPushButton *keep = buttons->addButton(tr("&Keep paused"), QDialogButtonBox::RejectRole);
    keep->setDefault(true);
    connect(trustButton, &QPushButton::clicked, this, [this] {
        if (trust())
            accept();
    });
    connect(keep, &QPushButton::clicked, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Problems found:"), this));
    layout->addWidget(errorView);
    layout->addWidget(m_message);
    layout->addStretch();
    layout->addWidget(buttons);
}

QString CertificateDialog::fingerprint() const
{
    return m_leaf.isNull() ? QString()
                           : QString::fromLatin1(m_leaf.digest(QCryptographicHash::Sha256).toHex());
}

bool CertificateDialog::trust()
{
    auto account = m_service->accounts()->find(m_account);
    QString error;
    if (!account) {
        error = tr("The account no longer exists.");
    } else if (m_leaf.isNull()) {
        error = tr("There is no certificate to trust.");
    } else {
        account->pinSha256 = fingerprint();
        if (m_service->accounts()->update(*account, &error)) {
            m_service->resumeAccount(m_account);
            return true;
        }
    }
    m_message->setText(tr("The certificate could not be trusted: %1").arg(error));
    m_message->setVisible(true);
    return false;
}

} // namespace outpost::ui
