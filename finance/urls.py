from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("finance/", views.overview, name="overview"),
    path("finance/journal/", views.journal, name="journal"),
    path("finance/arrears/", views.arrears_list, name="arrears"),
    path("finance/payments/new/", views.payment_new, name="payment_new"),
    path("finance/expenses/new/", views.expense_new, name="expense_new"),
    path(
        "finance/expenses/<id:expense_id>/document/",
        views.expense_document,
        name="expense_document",
    ),
    path("finance/cost/", views.cost, name="cost"),
    path("finance/journal.<str:fmt>", views.journal_export, name="journal_export"),
    path("finance/member-accounts.<str:fmt>", views.members_export, name="members_export"),
    path("finance/fees/", views.fees, name="fees"),
    path("finance/fees/charge/", views.fees_charge_now, name="fees_charge_now"),
    path("finance/sepa/", views.sepa, name="sepa"),
    path("finance/sepa/runs/", views.sepa_run_new, name="sepa_run_new"),
    path("finance/sepa/<id:run_id>/file/", views.sepa_file, name="sepa_file"),
    path("finance/fees/new/", views.fee_schedule_new, name="fee_schedule_new"),
    path("finance/prices/new/", views.gram_price_new, name="gram_price_new"),
    path("finance/sepa/mandates/new/", views.mandate_new, name="mandate_new"),
    path("finance/sepa/creditor/", views.creditor_edit, name="creditor"),
    path("finance/sepa/returns/new/", views.sepa_return_new, name="sepa_return_new"),
    path(
        "finance/transactions/<id:transaction_id>/reverse/",
        views.transaction_reverse_page,
        name="transaction_reverse",
    ),
    path("finance/reductions/new/", views.fee_reduction_new, name="fee_reduction_new"),
    path("finance/transactions/new/", views.booking_new, name="booking_new"),
    path("me/account/", views.my_account, name="my_account"),
]
