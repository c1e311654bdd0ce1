"""The message templates API: read and replace one kind's wording in one language (owner, admin). Thin: the checks
and the audit are messaging.services'."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access_for
from accounts.roles import Permission
from maxloyalty.api import error_responses, validated
from messaging.api.serializers import MessageTemplateInput, MessageTemplateOut
from messaging.message_templates import TemplateTexts
from messaging.selectors import message_template
from messaging.services import save_message_template
from messaging.templating import variables_of


def _out(template: TemplateTexts) -> dict[str, Any]:
    body = {"kind": template.kind, "language": template.language, "is_custom": template.is_custom}
    return MessageTemplateOut({**body, **template.texts, "variables": sorted(variables_of(template.kind))}).data


class MessageTemplateDetailApi(APIView):
    required_permission = Permission.MANAGE_SETTINGS

    @extend_schema(
        summary="The chain's wording of one kind of message in one language (the default until it writes its own)",
        responses={200: MessageTemplateOut, **error_responses(_403="Owners and admins only", _404="No such template")},
    )
    def get(self, request: Request, kind: str, language: str) -> Response:
        return Response(_out(message_template(kind=kind, language=language)))

    @extend_schema(
        summary="Write the chain's wording (fields left out keep their value; an empty field means the default)",
        request=MessageTemplateInput,
        responses={
            200: MessageTemplateOut,
            **error_responses(
                _403="Owners and admins only", _404="No such template", _422="A variable the kind does not offer"
            ),
        },
    )
    def put(self, request: Request, kind: str, language: str) -> Response:
        data = validated(MessageTemplateInput, request.data)
        access = access_for(request)
        assert access is not None
        save_message_template(actor=access.user, kind=kind, language=language, texts=data)
        return Response(_out(message_template(kind=kind, language=language)))
