"""Shapes of the restaurant endpoints: what they answer and what they accept (validation only)."""

from __future__ import annotations

from rest_framework import serializers

from restaurants.models import Restaurant, RestaurantStatus


class RestaurantOut(serializers.ModelSerializer[Restaurant]):
    class Meta:
        model = Restaurant
        fields = [
            "id",
            "name",
            "address",
            "phone",
            "time_zone",
            "opening_hours",
            "status",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
        ]


class RestaurantInput(serializers.Serializer[None]):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    opening_hours = serializers.JSONField(required=False)
    status = serializers.ChoiceField(choices=RestaurantStatus.choices, required=False)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
