#include "AccountSetup.h"

#include "Words.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "outbox/Service.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace outpost::ui {

namespace {
QLabel *wrappingLabel(QWidget *parent, const char *objectName)
{
    auto *l = new QLabel(parent);
    l->setWordWrap(true);
    l->setObjectName(QString::fromLatin1(objectName));
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

/// "Alice Example <alice@example.org>", the name quoted where RFC 5322 §3.2.3 needs it.
QString fromAddress(const QString &name, const QString &address)
{
    if (name.isEmpty())
        return address;
    static const QString specials = QStringLiteral("()<>[]:;@\\,.\"");
    bool quote = false;
    for (const QChar c : name)
        quote = quote || specials.contains(c);
    QString shown = name;
    if (quote)
        shown = QLatin1Char('"') +
                QString(name)
                    .replace(QLatin1Char('\\'), QLatin1String("\\\\"))
                    .replace(QLatin1Char('"'), QLatin1String("\\\"")) +
                QLatin1Char('"');
    return shown + QLatin1String(" <") + address + QLatin1Char('>');
}
} // namespace

AccountSetup::AccountSetup(Service *service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_screens(new QStackedWidget(this))
    , m_accountName(new QLineEdit(this))
    , m_yourName(new QLineEdit(this))
    , m_address(new QLineEdit(this))
    , m_passwordLabel(new QLabel(tr("&Password:"), this))
    , m_password(new QLineEdit(this))
    , m_signInNote(wrappingLabel(this, "setupSignInNote"))
    , m_busy(new QProgressBar(this))
    , m_looking(wrappingLabel(this, "setupLooking"))
    , m_problem(wrappingLabel(this, "setupProblem"))
    , m_continue(new QPushButton(tr("C&ontinue"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_title(wrappingLabel(this, "setupFoundTitle"))
    , m_summary(wrappingLabel(this, "setupSummary"))
    , m_origin(wrappingLabel(this, "setupOrigin"))
    , m_help(new QLabel(this))
    , m_confirm(new QCheckBox(this))
    , m_testResult(wrappingLabel(this, "setupTestResult"))
    , m_back(new QPushButton(tr("&Back"), this))
    , m_manual(new QPushButton(tr("&Edit manually"), this))
    , m_test(new QPushButton(tr("&Test"), this))
    , m_save(new QPushButton(tr("&Save"), this))
{
    // Screen 1: who you are.
    auto *first = new QWidget(m_screens);
    auto *heading = new QLabel(tr("<b>Add an account</b><br>Outpost finds the server settings "
                                  "from your address."),
                               first);
    heading->setWordWrap(true);
    m_accountName->setPlaceholderText(tr("e.g. work (the address if left empty)"));
    m_yourName->setPlaceholderText(tr("shown to the people you write to"));
    m_address->setPlaceholderText(tr("you@example.org"));
    m_password->setEchoMode(QLineEdit::Password);
    m_accountName->setAccessibleName(tr("Account name"));
    m_yourName->setAccessibleName(tr("Your name"));
    m_address->setAccessibleName(tr("E-mail address"));
    m_password->setAccessibleName(tr("Password"));
    m_signInNote->setOpenExternalLinks(true);
    m_signInNote->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_signInNote->setVisible(false);
    m_busy->setRange(0, 0); // busy, no known end
    m_busy->setTextVisible(false);
    m_busy->setVisible(false);
    m_problem->setVisible(false);
    QPalette red = palette();
    red.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x1c));
    m_problem->setPalette(red);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto addRow = [&](const QString &label, QWidget *w) {
        auto *l = new QLabel(label, first);
        l->setBuddy(w);
        form->addRow(l, w);
    };
    addRow(tr("&Your name:"), m_yourName);
    addRow(tr("E-&mail address:"), m_address);
    m_passwordLabel->setBuddy(m_password);
    form->addRow(m_passwordLabel, m_password);
    form->addRow(QString(), m_signInNote);
    addRow(tr("Account &name:"), m_accountName);
    auto *firstButtons = new QHBoxLayout;
    firstButtons->addStretch();
    firstButtons->addWidget(m_cancel);
    firstButtons->addWidget(m_continue);
    m_continue->setDefault(true);
    auto *firstLayout = new QVBoxLayout(first);
    firstLayout->addWidget(heading);
    firstLayout->addSpacing(8);
    firstLayout->addLayout(form);
    firstLayout->addWidget(m_busy);
    firstLayout->addWidget(m_looking);
    firstLayout->addWidget(m_problem);
    firstLayout->addStretch();
    firstLayout->addLayout(firstButtons);

    // Screen 2: what was found.
    auto *second = new QWidget(m_screens);
    m_help->setOpenExternalLinks(true);
    m_help->setWordWrap(true);
    m_help->setObjectName(QStringLiteral("setupHelp"));
    m_confirm->setObjectName(QStringLiteral("setupConfirm"));
    m_testResult->setVisible(false);
    auto *secondButtons = new QHBoxLayout;
    secondButtons->addWidget(m_back);
    secondButtons->addWidget(m_manual);
    secondButtons->addStretch();
    secondButtons->addWidget(m_test);
    secondButtons->addWidget(m_save);
    auto *secondLayout = new QVBoxLayout(second);
    secondLayout->addWidget(m_title);
    secondLayout->addSpacing(8);
    secondLayout->addWidget(m_summary);
    secondLayout->addWidget(m_origin);
    secondLayout->addWidget(m_help);
    secondLayout->addWidget(m_confirm);
    secondLayout->addWidget(m_testResult);
    secondLayout->addStretch();
    secondLayout->addLayout(secondButtons);

    m_screens->addWidget(first);
    m_screens->addWidget(second);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_screens);

    connect(m_address, &QLineEdit::textChanged, this, &AccountSetup::addressChanged);
    connect(m_continue, &QPushButton::clicked, this, &AccountSetup::start);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (isLooking())
            cancel();
        else
            emit closeRequested();
    });
    connect(m_back, &QPushButton::clicked, this, [this] {
        cancel();
        m_screens->setCurrentIndex(0);
        m_address->setFocus();
    });
    connect(m_manual, &QPushButton::clicked, this, &AccountSetup::editManually);
    connect(m_test, &QPushButton::clicked, this, &AccountSetup::test);
    connect(m_save, &QPushButton::clicked, this, &AccountSetup::save);
    connect(m_confirm, &QCheckBox::toggled, this, &AccountSetup::updateButtons);
    restart();
}

AccountSetup::~AccountSetup() = default;

int AccountSetup::screen() const
{
    return m_screens->currentIndex();
}

QString AccountSetup::domain() const
{
    const QString a = m_address->text().trimmed();
    const qsizetype at = a.lastIndexOf(QLatin1Char('@'));
    return at > 0 ? a.mid(at + 1).toLower() : QString();
}

void AccountSetup::restart()
{
    cancel();
    m_found.reset();
    for (QLineEdit *e : {m_accountName, m_yourName, m_address, m_password})
        e->clear();
    m_problem->setVisible(false);
    m_looking->clear();
    m_screens->setCurrentIndex(0);
    addressChanged();
    m_yourName->setFocus();
}

void AccountSetup::addressChanged()
{
    // The built-in settings are known without asking anyone: they decide at once whether the
    // provider wants a password, an app password or its sign-in page.
    const std::optional<DiscoveredSettings> preset = presetFor(domain());
    const bool oauth = preset && preset->signIn == SignIn::OAuth;
    m_passwordLabel->setVisible(!oauth);
    m_password->setVisible(!oauth);
    if (preset && preset->signIn != SignIn::Password) {
        m_signInNote->setText(Words::setupSignInNote(*preset));
        m_signInNote->setVisible(true);
    } else {
        m_signInNote->clear();
        m_signInNote->setVisible(false);
    }
}

Account AccountSetup::knownAccount() const
{
    Account a;
    const QString address = m_address->text().trimmed();
    a.name = m_accountName->text().trimmed();
    if (a.name.isEmpty())
        a.name = address;
    a.user = address;
    a.from = fromAddress(m_yourName->text().trimmed(), address);
    a.host.clear();
    return a;
}

Account AccountSetup::foundAccount() const
{
    Account a = knownAccount();
    if (!m_found)
        return a;
    a.host = m_found->host;
    a.port = m_found->port;
    a.security = m_found->security;
    if (!m_found->user.isEmpty())
        a.user = m_found->user;
    if (m_found->signIn == SignIn::OAuth && !m_found->oauthProvider.isEmpty()) {
        a.oauth.provider = m_found->oauthProvider;
        a.auth = QStringLiteral("xoauth2");
    }
    // The IMAP server from the same source, for the copies in the Sent folder; the sent-copy
    // rule stays Automatic (none of ours at providers that keep sent mail themselves).
    a.imapHost = m_found->imap.host;
    if (!a.imapHost.isEmpty()) {
        a.imapPort = m_found->imap.port;
        a.imapSecurity = m_found->imap.security;
        a.imapUser = m_found->imap.user;
    }
    return a;
}

void AccountSetup::showProblem(const QString &text)
{
    m_problem->setText(text);
    m_problem->setVisible(!text.isEmpty());
}

bool AccountSetup::start()
{
    if (isLooking())
        return false;
    const QString address = m_address->text().trimmed();
    const qsizetype at = address.lastIndexOf(QLatin1Char('@'));
    if (at <= 0 || at == address.size() - 1 || address.contains(QLatin1Char(' '))) {
        showProblem(tr("Enter your e-mail address, like alice@example.org."));
        m_address->setFocus();
        return false;
    }
    const Account known = knownAccount();
    if (m_service->accounts()->find(known.name)) {
        showProblem(tr("An account named “%1” exists already. Give this one another name.")
                        .arg(known.name));
        m_accountName->setFocus();
        return false;
    }
    showProblem({});
    m_found.reset();
    m_discovery = new AccountDiscovery(m_options, this);
    connect(m_discovery, &AccountDiscovery::stepStarted, this,
            [this](DiscoverySource step, const QString &what) {
                m_looking->setText(Words::discoveryStep(step, what));
            });
    connect(m_discovery, &AccountDiscovery::finished, this, &AccountSetup::discovered);
    setLooking(true);
    m_looking->setText(tr("Looking for the settings of %1…").arg(domain()));
    m_discovery->start(address);
    return true;
}

void AccountSetup::setLooking(bool on)
{
    for (QWidget *w : {static_cast<QWidget *>(m_accountName), static_cast<QWidget *>(m_yourName),
                       static_cast<QWidget *>(m_address), static_cast<QWidget *>(m_password),
                       static_cast<QWidget *>(m_continue)})
        w->setEnabled(!on);
    m_busy->setVisible(on);
    m_looking->setVisible(on);
}

void AccountSetup::cancel()
{
    if (m_discovery) {
        AccountDiscovery *d = m_discovery;
        m_discovery = nullptr; // its finished() is not ours any more
        disconnect(d, nullptr, this, nullptr);
        d->cancel();
        d->deleteLater();
        setLooking(false);
    }
    if (m_connectionTest && m_connectionTest->isRunning())
        m_connectionTest->cancel(); // testDone() follows at once
}

void AccountSetup::discovered(const std::optional<DiscoveredSettings> &found,
                              const QStringList &tried)
{
    m_discovery->deleteLater();
    m_discovery = nullptr;
    setLooking(false);
    if (!found) {
        emit manualRequested(knownAccount(), m_password->text(),
                             Words::setupNothingFound(domain(), tried));
        emit lookingFinished(false);
        return;
    }
    m_found = found;
    showFound();
    m_screens->setCurrentIndex(1);
    emit lookingFinished(true);
}

void AccountSetup::showFound()
{
    const DiscoveredSettings &f = *m_found;
    const Account a = foundAccount();
    m_title->setText(Words::setupFoundTitle(m_address->text().trimmed()));
    const bool oauth = f.signIn == SignIn::OAuth && !f.oauthProvider.isEmpty();
    // A provider this build has no client id for cannot sign in yet: said before Save, whose
    // path then asks for the user's own client id instead of storing an account that could
    // only hold its messages.
    const bool needsClientId = oauth && oauthProviderForAccount(a).clientId.isEmpty();
    m_summary->setText(
        Words::setupSummary(f, a) +
        (needsClientId ? QLatin1String("<br><br>") + Words::setupClientIdNeeded(f.oauthProvider)
                       : QString()));
    m_origin->setText(Words::discoveryOrigin(f));
    if (f.helpUrl.isEmpty()) {
        m_help->clear();
        m_help->setVisible(false);
    } else {
        m_help->setText(Words::setupHelpLink(f));
        m_help->setVisible(true);
    }
    {
        const QSignalBlocker b(m_confirm);
        m_confirm->setChecked(false);
    }
    m_confirm->setText(Words::setupConfirm(f));
    m_confirm->setVisible(f.needsConfirmation);
    m_testResult->clear();
    m_testResult->setVisible(false);
    // An OAuth provider is tested after the sign-in (the form's Test connection).
    m_test->setVisible(!oauth);
    m_save->setText(oauth ? Words::setupSaveAndSignIn(f.oauthProvider) : tr("&Save"));
    updateButtons();
}

void AccountSetup::updateButtons()
{
    // Nothing goes to a server the user has not confirmed.
    const bool confirmed = !m_found || !m_found->needsConfirmation || m_confirm->isChecked();
    m_test->setEnabled(confirmed && !m_connectionTest);
    m_save->setEnabled(confirmed);
}

void AccountSetup::test()
{
    if (!m_found || m_connectionTest || !m_test->isEnabled())
        return;
    ConnectionTestOptions o;
    o.credentials = m_service->credentials();
    o.password = m_password->text();
    o.settings = m_service->settings();
    o.resolveHost = m_resolveHost;
    m_connectionTest = new ConnectionTest(foundAccount(), o, this);
    connect(m_connectionTest, &ConnectionTest::stageChanged, this, [this](ConnectionTest::Stage s) {
        if (s != ConnectionTest::Stage::Done)
            m_testResult->setText(Words::testStage(s));
    });
    connect(m_connectionTest, &ConnectionTest::finished, this,
            [this](const SmtpResult &r, const Capabilities &caps, const QStringList &) {
                testDone(r, caps);
            });
    m_testResult->setPalette(palette());
    m_testResult->setVisible(true);
    m_testResult->setText(Words::testStage(ConnectionTest::Stage::Connecting));
    updateButtons();
    m_connectionTest->start();
}

void AccountSetup::testDone(const SmtpResult &result, const Capabilities &caps)
{
    ConnectionTest *t = m_connectionTest;
    m_connectionTest = nullptr;
    const bool cancelled = t->wasCancelled();
    const Account tested = t->account();
    t->deleteLater();
    QPalette pal = palette();
    if (!result.ok() && !cancelled)
        pal.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x1c));
    m_testResult->setPalette(pal);
    m_testResult->setText(cancelled ? tr("Test cancelled.")
                                    : Words::connectionTest(result, caps, tested));
    updateButtons();
    emit testFinished(result.ok());
}

void AccountSetup::save()
{
    if (!m_found || !m_save->isEnabled())
        return;
    cancel();
    const Account a = foundAccount();
    emit saveRequested(a, a.oauth.enabled() ? QString() : m_password->text(), a.oauth.enabled());
}

void AccountSetup::editManually()
{
    cancel();
    emit manualRequested(m_found ? foundAccount() : knownAccount(), m_password->text(), QString());
}

} // namespace outpost::ui
