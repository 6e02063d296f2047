// core/util/strings: the comma lists every LLaMA-Factory key with several values takes, trimming, and
// prefix/suffix tests.
#include "tests/registry.h"

#include "core/util/strings.h"

#include <QtTest>

using namespace lathe;

class TestStrings : public QObject {
    Q_OBJECT
private slots:
    void commaListsAreTrimmedWithoutEmptyItems() {
        using V = std::vector<std::string>;
        QCOMPARE(split_list("q_proj, v_proj"), V({"q_proj", "v_proj"}));
        QCOMPARE(split_list("x,, y ,"), V({"x", "y"}));
        QCOMPARE(split_list(" \t"), V{});
        QCOMPARE(split_list(""), V{});
        QCOMPARE(split_list("saves/a b/lora"), V({"saves/a b/lora"}));  // inner spaces stay
    }

    void trimRemovesSpacesAndTabsAtBothEnds() {
        QCOMPARE(trim("\t a b \t"), std::string("a b"));
        QCOMPARE(trim("   "), std::string());
        QCOMPARE(trim("x"), std::string("x"));
        QCOMPARE(trim("\n<think>\n ", " \n"), std::string("<think>"));  // other bytes on request
        QCOMPARE(trim("\tx\n", " \n"), std::string("\tx"));
    }

    void prefixesAndSuffixes() {
        QVERIFY(starts_with("model.layers.0", "model."));
        QVERIFY(!starts_with("mod", "model."));
        QVERIFY(ends_with("q_proj.weight", ".weight"));
        QVERIFY(!ends_with("weight", ".weight"));
        QVERIFY(ends_with("x", ""));
        QVERIFY(starts_with("x", ""));
    }
};

LATHE_TEST(TestStrings)
#include "test_strings.moc"
