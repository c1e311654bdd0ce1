"""Shapes of the feedback API: the ratings list's filters and one rating."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from feedback.models import VisitRating
from feedback.rules import MAX_SCORE, MIN_SCORE


class RatingFilterInput(serializers.Serializer[None]):
    restaurant = serializers.IntegerField(required=False, min_value=1, help_text="A restaurant's id")
    start = serializers.DateField(required=False, help_text="Rated on or after this day (the chain's time zone)")
    end = serializers.DateField(required=False, help_text="Rated on or before this day (the chain's time zone)")
    score = serializers.IntegerField(required=False, min_value=MIN_SCORE, max_value=MAX_SCORE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class RatingOut(serializers.ModelSerializer[VisitRating]):
    restaurant_name = serializers.SerializerMethodField()

    class Meta:
        model = VisitRating
        fields = [
            "id",
            "applied_check",
            "guest",
            "restaurant",
            "restaurant_name",
            "score",
            "comment",
            "channel",
            "visited_at",
            "created_at",
            "updated_at",
        ]

    def get_restaurant_name(self, rating: VisitRating) -> str:
        return rating.restaurant.name if rating.restaurant is not None else ""
