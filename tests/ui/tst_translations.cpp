// Translations: Outpost's German .qm (resources/translations/outpost_de.ts, compiled by
// lrelease into :/i18n) and Qt's own are installed for a German locale; translated strings
// show in German, unfinished ones stay English; a language without a file loads nothing of
// Outpost's.
#include "MainWindow.h"
#include "Translations.h"
#include "UiTestSupport.h"
#include "Words.h"

#include <QAction>
#include <QFile>
#include <QLibraryInfo>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestTranslations : public QObject
{
    Q_OBJECT
private slots:
    void germanIsLoaded();
};

void TestTranslations::germanIsLoaded()
{
    if (!QFile::exists(u":/i18n/outpost_de.qm"_s))
        QSKIP("built without lrelease (qt6-l10n-tools): no translations compiled in");
    // A language Outpost has no file for: Qt's own (when installed) and English plural forms,
    // nothing else of Outpost's.
    const QStringList none = installTranslations(qApp, QLocale(QLocale::Icelandic));
    for (const QString &f : none)
        QVERIFY2(!f.contains(u"outpost_"_s) || f == u":/i18n/outpost_en.qm"_s, qPrintable(f));
    QVERIFY2(none.contains(u":/i18n/outpost_en.qm"_s), qPrintable(none.join(u", "_s)));
    QCOMPARE(QCoreApplication::translate("outpost::ui::MainWindow", "Queued %n message(s) for %1.",
                                         nullptr, 1),
             u"Queued 1 message for %1."_s);
    QCOMPARE(QCoreApplication::translate("outpost::ui::MainWindow", "Queued %n message(s) for %1.",
                                         nullptr, 3),
             u"Queued 3 messages for %1."_s);

    const QStringList loaded =
        installTranslations(qApp, QLocale(QLocale::German, QLocale::Austria));
    QVERIFY2(loaded.contains(u":/i18n/outpost_de.qm"_s), qPrintable(loaded.join(u", "_s)));
    const QString qtDir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
    if (QFile::exists(qtDir + u"/qtbase_de.qm"_s))
        QVERIFY2(loaded.contains(qtDir + u"/qtbase_de.qm"_s), qPrintable(loaded.join(u", "_s)));

    QCOMPARE(Words::state(MessageState::Sent), u"Gesendet"_s);
    QCOMPARE(Words::state(MessageState::Draft), u"Entwurf"_s);
    test::UiFixture f;
    QVERIFY(f.open());
    MainWindow w(f.service.get());
    QCOMPARE(w.sendNowAction()->text(), u"Wartende jetzt &senden"_s);
    QCOMPARE(w.startAtLoginAction()->text(), u"Beim &Anmelden starten"_s);
    QCOMPARE(w.editAction()->text(), u"&Bearbeiten (zurück zum Entwurf)…"_s);
    // Not translated yet: stays English rather than empty.
    QCOMPARE(w.exportAction()->text(), u"&Export as .eml…"_s);
    test::saveScreenshot(&w, u"main-window-de.png"_s);
}

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
