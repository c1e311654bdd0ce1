"""The fraud API's shapes: a flag with its evidence, the list's filters, a reviewer's note."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from fraud.models import FlagStatus, FraudFlag, FraudRule


class FlagFilterInput(serializers.Serializer[None]):
    status = serializers.ChoiceField(choices=FlagStatus.choices, required=False)
    rule = serializers.ChoiceField(choices=FraudRule.choices, required=False)


class ReviewInput(serializers.Serializer[None]):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FlagOut(serializers.ModelSerializer[FraudFlag]):
    guest_id = serializers.IntegerField(allow_null=True)
    staff_id = serializers.IntegerField(allow_null=True)
    restaurant_id = serializers.IntegerField(allow_null=True)
    reviewed_by_id = serializers.IntegerField(allow_null=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = FraudFlag
        fields = [
            "id",
            "rule",
            "status",
            "guest_id",
            "staff_id",
            "restaurant_id",
            "evidence",
            "created_at",
            "alerted_at",
            "reviewed_at",
            "reviewed_by_id",
            "review_note",
        ]

    def get_evidence(self, flag: FraudFlag) -> dict[str, Any]:
        return dict(flag.evidence)
