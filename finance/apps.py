from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from club.audit import register_created_crosscheck, register_crosscheck
        from club.demo import register_seeder
        from dispensing.services import set_bookers, set_contribution_provider
        from finance import models as m
        from finance.demo import seed_counter_payments, seed_finance
        from finance.services import (
            contribution_per_gram,
            contributions_mismatches,
            dispensing_book,
            dispensing_unbook,
            lot_price_fix,
        )
        from harvests.services import register_release_hook

        # Dispensing sits below finance: it asks for the price per gram and has its money side
        # booked through the hooks it offers.
        register_seeder(38, seed_finance)  # after the assembly that adopted the fees
        register_seeder(45, seed_counter_payments)  # after the demo's dispensings
        set_contribution_provider(contribution_per_gram)
        register_release_hook(lot_price_fix)
        set_bookers(record=dispensing_book, reverse=dispensing_unbook)
        # Transactions have no event of their own when a dispensing or its reversal books them
        # (that operation's one event carries their digests, which cover every transaction).
        for model, action in (
            (m.GramPrice, "finance.gram_price"),
            (m.FeeSchedule, "finance.fee_schedule"),
            (m.Payment, "finance.payment"),
            (m.Expense, "finance.expense"),
            (m.SepaMandate, "finance.sepa_mandate"),
            (m.SepaRun, "finance.sepa_run"),
            (m.SepaReturn, "finance.sepa_return"),
            (m.LotPrice, "finance.lot_price"),
            (m.FeeReduction, "finance.fee_reduction"),
        ):
            register_created_crosscheck(model, action)
        register_crosscheck(contributions_mismatches)
        from club import navigation
        from club.roles import SIGNED_IN, Role

        navigation.register(
            navigation.NavItem(
                "finance:overview",
                _("Finance"),
                frozenset({Role.TREASURER.value, Role.BOARD.value}),
                40,
            )
        )
        navigation.register(navigation.NavItem("finance:my_account", _("My fees"), SIGNED_IN, 12))
