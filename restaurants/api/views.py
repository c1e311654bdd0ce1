"""Restaurant endpoints under /api/v1/restaurants: list and create, read, change and delete one."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ChainAccess, access_for
from accounts.requests import StaffApiRequest
from accounts.roles import Permission
from maxloyalty.api import StandardPagination, validated
from restaurants.api.serializers import RestaurantInput, RestaurantOut
from restaurants.selectors import access_restaurant, visible_restaurants
from restaurants.services import create_restaurant, delete_restaurant, update_restaurant


def _access(request: Request) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # HasChainPermission let the request in
    return access


class RestaurantListApi(APIView):
    required_permission: ClassVar[dict[str, Permission | None]] = {"GET": None, "POST": Permission.MANAGE_RESTAURANTS}

    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page: Any = paginator.paginate_queryset(visible_restaurants(_access(request)), request, view=self)
        return paginator.get_paginated_response(RestaurantOut(page, many=True, context={"request": request}).data)

    def post(self, request: StaffApiRequest) -> Response:
        data = validated(RestaurantInput, request.data)
        restaurant = create_restaurant(actor=request.user, **data)
        return Response(RestaurantOut(restaurant).data, status=201)


class RestaurantDetailApi(APIView):
    required_permission: ClassVar[dict[str, Permission | None]] = {
        "GET": None,
        "PUT": Permission.MANAGE_RESTAURANTS,
        "PATCH": Permission.MANAGE_RESTAURANTS,
        "DELETE": Permission.MANAGE_RESTAURANTS,
    }

    def get(self, request: Request, restaurant_id: int) -> Response:
        restaurant = access_restaurant(access=_access(request), restaurant_id=restaurant_id)
        return Response(RestaurantOut(restaurant).data)

    def put(self, request: StaffApiRequest, restaurant_id: int) -> Response:
        return self._update(request, restaurant_id, partial=False)

    def patch(self, request: StaffApiRequest, restaurant_id: int) -> Response:
        return self._update(request, restaurant_id, partial=True)

    def _update(self, request: StaffApiRequest, restaurant_id: int, *, partial: bool) -> Response:
        restaurant = access_restaurant(access=_access(request), restaurant_id=restaurant_id)
        data = validated(RestaurantInput, request.data, partial=partial)
        restaurant = update_restaurant(actor=request.user, restaurant=restaurant, changes=data)
        return Response(RestaurantOut(restaurant).data)

    def delete(self, request: StaffApiRequest, restaurant_id: int) -> Response:
        restaurant = access_restaurant(access=_access(request), restaurant_id=restaurant_id)
        delete_restaurant(actor=request.user, restaurant=restaurant)
        return Response(status=204)
