# The hub's image: one image, many roles (web, workers, beat), chosen by the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HUB_DATA_DIR=/var/lib/orderhub
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/orderhub --create-home orderhub
USER orderhub
WORKDIR /var/lib/orderhub
EXPOSE 8000
CMD ["orderhub", "serve", "--host", "0.0.0.0"]
